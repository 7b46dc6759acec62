#pragma once

// Every session actor that has a connection, for the HTTP API's disconnect:
// no other part of the server needs to reach all sessions. Only the
// sessions are listed, not their users (which they alone know): a
// disconnect asks each one. Two pointers in each connection's adapter, no
// node of its own, since connections are held by the ten thousand.

#include "session/client_session.hpp"

#include <functional>
#include <mutex>
#include <vector>

namespace chatd::app {

class session_directory;

/// A place in a session_directory; the adapter of each connection is one.
class directory_entry {
public:
    directory_entry(session_directory& d, session::client_session::ref_type s);
    ~directory_entry();
    directory_entry(const directory_entry&) = delete;
    directory_entry& operator=(const directory_entry&) = delete;

protected:
    const session::client_session::ref_type session_;

private:
    friend class session_directory;
    session_directory& directory_;
    directory_entry* prev_ = nullptr;
    directory_entry* next_ = nullptr;
};

/// Thread-safe. Outlives every entry (chat_server owns it).
class session_directory {
public:
    session_directory() = default;
    session_directory(const session_directory&) = delete;
    session_directory& operator=(const session_directory&) = delete;

    /// The sessions listed now (copies of their refs), to tell outside the lock.
    std::vector<session::client_session::ref_type> sessions() const;

private:
    friend class directory_entry;
    void add(directory_entry& e);
    void remove(directory_entry& e) noexcept;

    mutable std::mutex mutex_;  // guards the list
    directory_entry* head_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace chatd::app
