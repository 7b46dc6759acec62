// A deleted line's text (and its edits' text) is gone from the database
// file's bytes once the WAL is checkpointed: not left in a free slot of its
// page, nor in a freed overflow page.

#include "support.hpp"

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;

namespace {

using secure_delete_test = store_test;

std::string bytes_of(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(secure_delete_test, a_deleted_lines_text_is_not_in_the_file_after_a_checkpoint) {
    auto store = open_store();
    const std::string short_secret = "QXZJV-short-secret";
    const std::string edited_secret = "QXZJV-edited-secret";
    std::string long_secret;  // longer than a page: it lies in overflow pages
    while (long_secret.size() < 20000) long_secret += "QXZJV-long-secret-" + std::to_string(long_secret.size());

    std::vector<new_message> before;
    for (int i = 0; i < 20; ++i) before.push_back(msg("a", "bob", "b" + std::to_string(i), "kept before"));
    append_ok(store, before);
    append_ok(store, {msg("a", "ann", "1", short_secret), msg("a", "ann", "2", long_secret)});  // 21, 22
    append_ok(store, {about(event_kind::edit, "a", "ann", "e", 21, edited_secret)});            // 23
    append_ok(store, {msg("a", "bob", "after", "kept after")});

    auto other = other_connection();
    ASSERT_TRUE(other.exec("PRAGMA wal_checkpoint(TRUNCATE)").has_value());
    // The test can see text in the file: the secrets are there before the delete.
    EXPECT_NE(bytes_of(db_path()).find("QXZJV-long"), std::string::npos);
    EXPECT_NE(bytes_of(db_path()).find("QXZJV-edited"), std::string::npos);

    append_ok(store, {about(event_kind::delete_line, "a", "ann", "d1", 21),
                      about(event_kind::delete_line, "a", "ann", "d2", 22)});
    ASSERT_TRUE(other.exec("PRAGMA wal_checkpoint(TRUNCATE)").has_value());

    const std::string file = bytes_of(db_path()) + bytes_of(db_path().string() + "-wal");
    EXPECT_EQ(file.find("QXZJV"), std::string::npos) << "erased text found at byte " << file.find("QXZJV");
    // What was not deleted is still there, and the tombstones too.
    EXPECT_NE(file.find("kept before"), std::string::npos);
    EXPECT_NE(file.find("kept after"), std::string::npos);
    EXPECT_TRUE(event_at(store, "a", 21).deleted);
    EXPECT_TRUE(event_at(store, "a", 22).deleted);
}

}  // namespace
