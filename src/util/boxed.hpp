#pragma once
// Boxed<T>: an optional part of a large value, kept on the heap only where it is present, so a struct
// that holds one costs a pointer where the part is absent. It copies like a value; reading an absent
// part reads an empty T.
#include <memory>

namespace oznsync {

template <class T> class Boxed {
public:
    Boxed() = default;
    Boxed(const Boxed& other) : m_value(other.m_value ? std::make_unique<T>(*other.m_value) : nullptr) {}
    Boxed(Boxed&&) noexcept = default;
    Boxed& operator=(const Boxed& other) {
        if (this != &other) m_value = other.m_value ? std::make_unique<T>(*other.m_value) : nullptr;
        return *this;
    }
    Boxed& operator=(Boxed&&) noexcept = default;
    ~Boxed() = default;

    const T& operator*() const { return m_value ? *m_value : absent(); }
    const T* operator->() const { return &**this; }
    /// The part to write into, made (empty) where it was absent.
    T& edit() {
        if (!m_value) m_value = std::make_unique<T>();
        return *m_value;
    }
    bool present() const { return m_value != nullptr; }

private:
    static const T& absent() {
        static const T value{};
        return value;
    }
    std::unique_ptr<T> m_value;
};

} // namespace oznsync
