#pragma once
// For the classes of store/ only: the database connection behind a Store. Nothing outside store/ runs SQL
// (the benchmarks aside), so nothing outside includes this header.
#include "store/store.hpp"

namespace oznsync {

inline sql::Database& db_of(Store& store) {
    return store.m_db;
}

} // namespace oznsync
