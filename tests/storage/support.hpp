#pragma once

// Helpers for the storage tests: a temporary folder that removes itself, and
// short ways to write messages and migrations.

#include "storage/connection.hpp"
#include "storage/message_store.hpp"
#include "storage/rows.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace chatd::storage::test {

/// A fresh folder under the system temp directory, removed with everything
/// in it when the object goes.
class temp_dir {
public:
    temp_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "chatd-storage-XXXXXX").string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

/// A test case with its own temp folder and a database path inside it.
class store_test : public ::testing::Test {
protected:
    store_options options() const {
        store_options o;
        o.path = db_path();
        return o;
    }
    std::filesystem::path db_path() const { return dir_ / "chat.db"; }
    message_store open_store() const { return message_store(options()); }
    /// A second, independent connection to the same file.
    database other_connection() const { return open_connection({db_path(), std::chrono::milliseconds(5000), {}}); }

    temp_dir dir_;
};

inline new_message msg(std::string room, std::string sender, std::string client_id, std::string text = "hi",
                       std::int64_t ts_ms = 1000) {
    return new_message{std::move(room), std::move(sender), std::move(client_id), std::move(text), ts_ms};
}

/// An event about line `target` of room (edit, delete_line, react, unreact); text
/// is the new text or the emoji.
inline new_message about(event_kind kind, std::string room, std::string sender, std::string client_id,
                         std::uint64_t target, std::string text = {}, std::int64_t ts_ms = 2000) {
    new_message m = msg(std::move(room), std::move(sender), std::move(client_id), std::move(text), ts_ms);
    m.kind = kind;
    m.target = target;
    return m;
}

/// A member event: `sender` does `action` to `subject`.
inline new_message member(std::string room, std::string sender, std::string client_id, member_action action,
                          std::string subject, member_role role = member_role::member, std::int64_t until_ms = 0,
                          std::int64_t ts_ms = 3000) {
    new_message m = msg(std::move(room), std::move(sender), std::move(client_id), "", ts_ms);
    m.kind = event_kind::member;
    m.action = action;
    m.subject = std::move(subject);
    m.role = role;
    m.until_ms = until_ms;
    return m;
}

/// A line that mentions users.
inline new_message mentioning(std::string room, std::string sender, std::string client_id,
                              std::vector<std::string> users) {
    new_message m = msg(std::move(room), std::move(sender), std::move(client_id), "hello");
    m.mentions = std::move(users);
    return m;
}

inline append_outcome rejected(reject_reason why) { return {append_status::rejected, 0, 0, why}; }

inline append_outcome stored(std::uint64_t seq, std::int64_t ts_ms = 1000) {
    return {append_status::stored, seq, ts_ms};
}
inline append_outcome duplicate(std::uint64_t seq, std::int64_t ts_ms = 1000) {
    return {append_status::duplicate, seq, ts_ms};
}

/// Appends and expects success.
inline std::vector<append_outcome> append_ok(message_store& store, const std::vector<new_message>& batch) {
    auto r = store.append_batch(batch);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : std::vector<append_outcome>{};
}

/// The seqs of a page, in order.
inline std::vector<std::uint64_t> seqs(const page& p) {
    std::vector<std::uint64_t> out;
    for (const auto& m : p.messages) out.push_back(m.seq);
    return out;
}

/// All of a room's messages, through since().
inline std::vector<stored_message> all_messages(message_store& store, const std::string& room) {
    std::vector<stored_message> out;
    std::uint64_t after = 0;
    for (;;) {
        auto p = store.since(room, after, message_store::max_page);
        EXPECT_TRUE(p.has_value());
        if (!p) return out;
        for (auto& m : p->messages) out.push_back(m);
        if (!p->has_more) return out;
        after = out.back().seq;
    }
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << path;
}

/// The event of `room` with `seq`, read through since().
inline stored_message event_at(message_store& store, const std::string& room, std::uint64_t seq) {
    auto p = store.since(room, seq - 1, 1);
    EXPECT_TRUE(p.has_value() && p->messages.size() == 1) << room << " has no seq " << seq;
    return p && !p->messages.empty() ? p->messages.front() : stored_message{};
}

/// The first column of the first row `sql` answers, or "error: ..." / "no row".
inline std::string first_text(database& db, const char* sql) {
    auto stmt = db.prepare(sql);
    if (!stmt) return "error: " + stmt.error().message;
    auto row = stmt->step();
    if (!row) return "error: " + row.error().message;
    return *row ? stmt->column_text(0) : "no row";
}

/// Writes over every page of a database file after the first: the schema
/// stays readable, the tables' pages do not.
inline void damage(const std::filesystem::path& file) {
    const auto size = std::filesystem::file_size(file);
    ASSERT_GT(size, 4096U);
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    f << std::string(size - 4096, '\xa5');
    ASSERT_TRUE(f.good()) << file;
}

}  // namespace chatd::storage::test
