// result<T>: a value or a storage error.

#include "storage/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

using namespace chatd::storage;

namespace {

TEST(result_test, holds_a_value_or_an_error) {
    result<std::string> ok = std::string("hello");
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(*ok, "hello");
    EXPECT_EQ(ok->size(), 5U);

    result<std::string> bad = error{error_code::busy, 5, "database is locked"};
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, error_code::busy);
    EXPECT_EQ(bad.error().sqlite_code, 5);
    EXPECT_EQ(to_string(bad.error().code), "busy");
}

TEST(result_test, moves_out_move_only_values) {
    result<std::unique_ptr<int>> r = std::make_unique<int>(7);
    std::unique_ptr<int> p = std::move(r).value();
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, 7);
}

TEST(result_test, void_result_is_success_by_default) {
    result<void> ok;
    EXPECT_TRUE(ok.has_value());
    result<void> bad = error{error_code::misuse, 0, "limit"};
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().message, "limit");
}

TEST(result_test, reading_the_value_of_an_error_aborts) {
    result<int> bad = error{error_code::other, 0, "x"};
    EXPECT_DEATH((void)bad.value(), "value\\(\\) of an error result");
}

}  // namespace
