// chatd's configuration: flags over CHATD_* variables over defaults.

#include "app/server_config.hpp"
#include "auth/jwks.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using chatd::app::parse_config;

std::optional<chatd::app::server_config> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "chatd");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return parse_config(static_cast<int>(argv.size()), argv.data());
}

class server_config_test : public ::testing::Test {
protected:
    ~server_config_test() override {
        ::unsetenv("CHATD_PORT");
        ::unsetenv("CHATD_JWT_SECRET");
        ::unsetenv("CHATD_SYNC");
        ::unsetenv("CHATD_API_KEY_FILE");
    }
};

TEST_F(server_config_test, defaults_match_the_readme) {
    auto c = parse({});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->net.address, "0.0.0.0");
    EXPECT_EQ(c->net.port, 8080);
    EXPECT_EQ(c->storage.store.path, "data/chat.db");
    EXPECT_TRUE(c->session.allow_guests);
    EXPECT_TRUE(std::filesystem::is_directory(c->storage.store.schema_dir)) << c->storage.store.schema_dir;
}

TEST_F(server_config_test, a_flag_wins_over_its_environment_variable) {
    ::setenv("CHATD_PORT", "9001", 1);
    EXPECT_EQ(parse({})->net.port, 9001);
    EXPECT_EQ(parse({"--port", "9002"})->net.port, 9002);
    EXPECT_EQ(parse({"--port=9003"})->net.port, 9003);
}

TEST_F(server_config_test, a_jwt_secret_turns_guests_off_unless_they_are_allowed) {
    ::setenv("CHATD_JWT_SECRET", "s3cret", 1);
    EXPECT_FALSE(parse({})->session.allow_guests);
    EXPECT_TRUE(parse({"--allow-guests", "true"})->session.allow_guests);
}

TEST_F(server_config_test, the_api_is_off_without_a_key_file_and_on_with_one_from_a_flag_or_the_environment) {
    auto c = parse({});
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->api.keys);
    const auto file = std::filesystem::temp_directory_path() / ("chatd-keys-" + std::to_string(::getpid()));
    std::ofstream(file) << "# backend\n" << std::string(40, 'k') << "\n";
    c = parse({"--api-key-file", file.string(), "--api-rate", "5", "--api-burst", "9"});
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->api.keys);
    EXPECT_EQ(c->api.keys->size(), 1U);
    EXPECT_EQ(c->api.rate_per_second, 5.0);
    EXPECT_EQ(c->api.rate_burst, 9.0);
    ::setenv("CHATD_API_KEY_FILE", file.string().c_str(), 1);
    c = parse({});
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->api.keys);
    std::ofstream(file) << "short\n";
    EXPECT_THROW(parse({}), std::invalid_argument);
    std::filesystem::remove(file);
}

TEST_F(server_config_test, a_jwks_file_turns_guests_off_and_a_bad_one_is_refused) {
    const auto file = std::filesystem::temp_directory_path() / ("chatd-jwks-" + std::to_string(::getpid()) + ".json");
    // An EC P-256 public key (the curve's generator point).
    std::ofstream(file) << R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k",)"
                           R"("x":"axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY",)"
                           R"("y":"T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}]})";
    auto c = parse({"--jwks-file", file.string()});
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->session.jwks);
    EXPECT_EQ(c->session.jwks->keys().size(), 1U);
    EXPECT_FALSE(c->session.allow_guests);
    std::ofstream(file) << "{}";
    EXPECT_THROW(parse({"--jwks-file", file.string()}), std::invalid_argument);
    std::filesystem::remove(file);
    EXPECT_THROW(parse({"--jwks-file", file.string()}), std::invalid_argument);
}

TEST_F(server_config_test, sync_is_full_unless_normal_is_asked_for) {
    using chatd::storage::sync_mode;
    EXPECT_EQ(parse({})->storage.store.sync, sync_mode::full);
    EXPECT_EQ(parse({"--sync", "normal"})->storage.store.sync, sync_mode::normal);
    EXPECT_EQ(parse({"--sync=full"})->storage.store.sync, sync_mode::full);
    ::setenv("CHATD_SYNC", "normal", 1);
    EXPECT_EQ(parse({})->storage.store.sync, sync_mode::normal);
    EXPECT_THROW(parse({"--sync", "off"}), std::invalid_argument);
    EXPECT_THROW(parse({"--sync", "FULL"}), std::invalid_argument);
}

TEST_F(server_config_test, the_integrity_check_runs_every_five_minutes_unless_told_otherwise) {
    EXPECT_EQ(parse({})->storage.integrity_check_interval, std::chrono::minutes(5));
    EXPECT_EQ(parse({"--integrity-check-interval", "60"})->storage.integrity_check_interval, std::chrono::minutes(1));
    EXPECT_EQ(parse({"--integrity-check-interval", "0"})->storage.integrity_check_interval, act::duration::zero());
    EXPECT_THROW(parse({"--integrity-check-interval", "5m"}), std::invalid_argument);
}

TEST_F(server_config_test, bad_input_is_refused_with_a_reason) {
    EXPECT_THROW(parse({"--port", "eighty"}), std::invalid_argument);
    EXPECT_THROW(parse({"--no-such-flag", "1"}), std::invalid_argument);
    EXPECT_THROW(parse({"--port"}), std::invalid_argument);
    EXPECT_THROW(parse({"stray"}), std::invalid_argument);
}

TEST_F(server_config_test, help_prints_every_flag_and_starts_nothing) {
    EXPECT_FALSE(parse({"--help"}).has_value());
    const std::string text = chatd::app::usage();
    for (const char* flag : {"--port", "--db", "--web-root", "--threads", "--max-connections", "--jwt-secret",
                             "--log-level", "--sync", "--integrity-check-interval", "CHATD_PORT"})
        EXPECT_NE(text.find(flag), std::string::npos) << flag;
}

TEST_F(server_config_test, the_presence_ttl_is_whole_seconds_and_goes_with_the_bus) {
    EXPECT_FALSE(parse({})->presence_ttl.has_value());
    auto c = parse({"--bus", "redis://127.0.0.1:6379", "--presence-ttl", "4"});
    ASSERT_TRUE(c && c->bus);
    EXPECT_EQ(c->presence_ttl, std::chrono::milliseconds(4000));
    EXPECT_FALSE(parse({"--presence-ttl", "4"})->bus.has_value()) << "a TTL alone must not turn the bus on";
    EXPECT_THROW(parse({"--presence-ttl", "0"}), std::invalid_argument);
    EXPECT_THROW(parse({"--presence-ttl", "15s"}), std::invalid_argument);
}

}  // namespace
