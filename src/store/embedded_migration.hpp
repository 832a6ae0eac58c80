#pragma once
// A migration carried in the binary (cmake/EmbedSql.cmake): its file name and its SQL.
struct EmbeddedMigration {
    const char* name;
    const char* sql;
};
