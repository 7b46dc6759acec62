#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

namespace act {

/// Base for objects shared by intrusive reference counting (actor cells).
/// add_ref/release are thread-safe; the object deletes itself at zero.
class ref_counted {
public:
    ref_counted() = default;
    ref_counted(const ref_counted&) = delete;
    ref_counted& operator=(const ref_counted&) = delete;

    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

protected:
    virtual ~ref_counted() = default;

private:
    std::atomic<std::uint32_t> refs_{1};
};

/// Owning pointer to a ref_counted object. Copying is thread-safe for
/// distinct pointer objects, like std::shared_ptr.
template <class T>
class intrusive_ptr {
public:
    intrusive_ptr() = default;
    /// Adopts a reference the caller already holds (e.g. a fresh object).
    static intrusive_ptr adopt(T* p) noexcept {
        intrusive_ptr r;
        r.p_ = p;
        return r;
    }
    /// Takes a new reference.
    explicit intrusive_ptr(T* p) noexcept : p_(p) {
        if (p_) p_->add_ref();
    }
    intrusive_ptr(const intrusive_ptr& o) noexcept : intrusive_ptr(o.p_) {}
    intrusive_ptr(intrusive_ptr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    intrusive_ptr& operator=(intrusive_ptr o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~intrusive_ptr() {
        if (p_) p_->release();
    }

    T* get() const noexcept { return p_; }
    T* operator->() const noexcept { return p_; }
    T& operator*() const noexcept { return *p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    /// Gives up ownership without releasing.
    T* detach() noexcept { return std::exchange(p_, nullptr); }

    friend bool operator==(const intrusive_ptr& a, const intrusive_ptr& b) noexcept {
        return a.p_ == b.p_;
    }

private:
    T* p_ = nullptr;
};

}  // namespace act
