// Hostile input: truncated and mutated variants of valid frames, and plain
// garbage. The decoder must never crash (the sanitizer build watches for
// over-reads), must always answer with a request or a decode error, and what
// it accepts must obey every rule of the protocol. Deterministic: a fixed
// seed and no clocks.

#include "protocol/decoder.hpp"
#include "protocol/encoder.hpp"
#include "protocol/utf8.hpp"
#include "protocol/validate.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace p = chatd::protocol;
using p::error_code;
using p::test::decode_exact;

namespace {

const std::vector<std::string> seeds{
    R"({"type":"identify","id":1,"name":"alice"})",
    R"({"type":"identify","id":"x","token":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln"})",
    R"({"type":"join","id":2,"room":"general","since":41})",
    R"({"type":"leave","id":3,"room":"general"})",
    R"({"type":"send","id":4,"room":"general","text":"h\u00e9 \ud83d\ude00 \"q\" \\ <b>","client_id":"c-123"})",
    R"({"type":"history","id":5,"room":"general","before":58,"limit":50})",
    R"({"type":"typing","room":"general"})",
    R"({"type":"ping","id":6})",
};

// The requests that limits::product_requests turns on.
const std::vector<std::string> product_seeds{
    R"({"type":"create_room","id":1,"kind":"public","room":"plans","topic":"Q3 \u00e9"})",
    R"({"type":"open_direct","id":2,"users":["bob","guest:carol","Ren\u00e9e"]})",
    R"({"type":"members","id":3,"room":"!abc234"})",
    R"({"type":"ban","id":4,"room":"general","user":"bob","until":1700000000000,"client_id":"c-1"})",
    R"({"type":"set_role","id":5,"room":"!abc","user":"bob","role":"admin","client_id":"c-2"})",
    R"({"type":"set_topic","id":6,"room":"general","topic":"","client_id":"c-3"})",
    R"({"type":"edit","id":7,"room":"general","seq":42,"text":"fixed \ud83d\ude00","client_id":"c-4"})",
    R"({"type":"react","id":8,"room":"general","seq":42,"emoji":"\ud83d\udc4d","client_id":"c-5"})",
    R"({"type":"read","id":9,"room":"general","seq":42})",
    R"({"type":"leave","id":10,"room":"general","forget":true})",
};

// Fragments that tend to reach the corners of a JSON parser.
const std::vector<std::string> fragments{
    "\"", "\\", "\\u", "\\ud800", "\\udc00", "\\ud83d", "\\ude00", "\\u0000", "{", "}", "[", "]", ",", ":",
    "null", "true", "-", "-0", "1e999", "0.5", "9007199254740993", "18446744073709551616", " ", "\n",
    std::string(1, '\0'), "\xFF", "\xC3", "\xED\xA0\x80", "\xF0\x9F\x98\x80", "\"id\":", "\"type\":\"send\"",
    "\"room\":\".x\"", "\"room\":", "\"text\":\"\"", "\"limit\":0", ",\"room\":\"general\"", "\"\\\"\"",
};

class mutator {
public:
    explicit mutator(std::uint32_t seed) : rng_(seed) {}

    // A number in [0, n); n > 0. Plain modulo keeps the sequence identical on every standard library.
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_()) % n; }

    std::string mutate(std::string s) {
        const std::size_t steps = 1 + below(4);
        for (std::size_t i = 0; i < steps; ++i) {
            switch (below(7)) {
                case 0:  // truncate
                    s.resize(below(s.size() + 1));
                    break;
                case 1:  // overwrite a byte
                    if (!s.empty()) s[below(s.size())] = static_cast<char>(below(256));
                    break;
                case 2:  // insert a fragment
                    s.insert(below(s.size() + 1), fragments[below(fragments.size())]);
                    break;
                case 3:  // delete a range
                    if (!s.empty()) {
                        const std::size_t at = below(s.size());
                        s.erase(at, 1 + below(8));
                    }
                    break;
                case 4:  // repeat a range
                    if (!s.empty()) {
                        const std::size_t at = below(s.size());
                        const std::string piece = s.substr(at, 1 + below(16));
                        s.insert(below(s.size() + 1), piece);
                    }
                    break;
                case 5:  // splice two seeds
                {
                    const std::string& other = seeds[below(seeds.size())];
                    s = s.substr(0, below(s.size() + 1)) + other.substr(below(other.size() + 1));
                    break;
                }
                default:  // swap two bytes
                    if (s.size() > 1) std::swap(s[below(s.size())], s[below(s.size())]);
                    break;
            }
        }
        return s;
    }

private:
    std::mt19937 rng_;
};

bool is_decode_code(error_code c) {
    switch (c) {
        case error_code::bad_json:
        case error_code::unknown_type:
        case error_code::missing_field:
        case error_code::wrong_type:
        case error_code::invalid_field:
        case error_code::text_too_long:
        case error_code::text_empty:
        case error_code::invalid_utf8:
        case error_code::frame_too_large:
            return true;
        default:
            return false;
    }
}

// A room name the decoder may accept: server-assigned ones only with the
// product requests on.
bool room_ok(const std::string& room, const p::limits& lim) {
    return lim.product_requests ? p::is_valid_room_name(room) : p::is_public_room_name(room);
}

// What the decoder accepted obeys the protocol's rules.
void expect_valid_request(const p::request& r, const p::limits& lim, const std::string& frame) {
    if (const auto* s = std::get_if<std::string>(&r.id)) {
        EXPECT_LE(s->size(), p::max_string_id_bytes) << frame;
        EXPECT_TRUE(p::is_valid_utf8(*s)) << frame;
    } else if (const auto* n = std::get_if<std::uint64_t>(&r.id)) {
        EXPECT_LE(*n, p::max_safe_integer) << frame;
    }
    std::visit(
        [&](const auto& b) {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, p::identify_request>) {
                EXPECT_NE(b.name.empty(), b.token.empty()) << frame;
                if (b.token.empty()) {
                    EXPECT_EQ(p::check_user_name(b.name), p::name_check::ok) << frame;
                } else {
                    EXPECT_TRUE(p::is_valid_token(b.token)) << frame;
                }
            } else if constexpr (std::is_same_v<T, p::send_request>) {
                EXPECT_TRUE(room_ok(b.room, lim)) << frame;
                EXPECT_TRUE(p::is_valid_client_id(b.client_id)) << frame;
                EXPECT_FALSE(b.text.empty()) << frame;
                EXPECT_LE(b.text.size(), lim.max_text_bytes) << frame;
                EXPECT_TRUE(p::is_valid_utf8(b.text)) << frame;
            } else if constexpr (std::is_same_v<T, p::history_request>) {
                EXPECT_TRUE(room_ok(b.room, lim)) << frame;
                EXPECT_GE(b.limit, 1U) << frame;
                EXPECT_LE(b.limit, p::max_history_limit) << frame;
                if (b.before) {
                    EXPECT_LE(*b.before, p::max_safe_integer) << frame;
                }
            } else if constexpr (std::is_same_v<T, p::join_request>) {
                EXPECT_TRUE(room_ok(b.room, lim)) << frame;
                if (b.since) {
                    EXPECT_LE(*b.since, p::max_safe_integer) << frame;
                }
            } else if constexpr (std::is_same_v<T, p::ping_request>) {
            } else if constexpr (std::is_same_v<T, p::open_direct_request>) {
                EXPECT_GE(b.users.size(), 1U) << frame;
                EXPECT_LE(b.users.size(), p::max_direct_users) << frame;
                for (const auto& u : b.users) EXPECT_TRUE(p::is_valid_user_id(u)) << frame;
            } else if constexpr (std::is_same_v<T, p::create_room_request>) {
                EXPECT_TRUE(p::is_valid_topic(b.topic)) << frame;
                if (b.kind == p::room_kind::public_room) {
                    EXPECT_TRUE(p::is_public_room_name(b.room)) << frame;
                } else {
                    EXPECT_EQ(b.kind, p::room_kind::private_room) << frame;
                    EXPECT_TRUE(b.room.empty()) << frame;
                }
            } else {
                EXPECT_TRUE(room_ok(b.room, lim)) << frame;
                if constexpr (requires { b.client_id; }) {
                    EXPECT_TRUE(p::is_valid_client_id(b.client_id)) << frame;
                }
                if constexpr (std::is_same_v<T, p::member_change_request>) {
                    EXPECT_TRUE(p::is_valid_user_id(b.user)) << frame;
                } else if constexpr (std::is_same_v<T, p::set_topic_request>) {
                    EXPECT_TRUE(p::is_valid_topic(b.topic)) << frame;
                } else if constexpr (std::is_same_v<T, p::line_change_request>) {
                    EXPECT_GE(b.seq, 1U) << frame;
                    if (b.kind == p::event_kind::react || b.kind == p::event_kind::unreact) {
                        EXPECT_TRUE(p::is_valid_emoji(b.text)) << frame;
                    } else if (b.kind == p::event_kind::edit) {
                        EXPECT_FALSE(b.text.empty()) << frame;
                        EXPECT_LE(b.text.size(), lim.max_text_bytes) << frame;
                        EXPECT_TRUE(p::is_valid_utf8(b.text)) << frame;
                    }
                }
            }
        },
        r.body);
}

// Checks one outcome; returns true when the frame was accepted. Notes the
// error code in `seen` when given.
bool check(p::decoder& d, const std::string& frame, std::set<error_code>* seen = nullptr) {
    const auto r = decode_exact(d, frame);
    if (r.has_value()) {
        expect_valid_request(*r, d.config(), frame);
        return true;
    }
    EXPECT_TRUE(is_decode_code(r.error().code)) << frame;
    if (seen != nullptr) seen->insert(r.error().code);
    // The error reply the session would send is itself valid JSON.
    const std::string reply = p::encode(r.error());
    const p::test::parsed back(reply);
    EXPECT_TRUE(back.ok()) << reply;
    EXPECT_TRUE(p::is_valid_utf8(reply)) << reply;
    return false;
}

}  // namespace

TEST(decoder_robustness, every_seed_is_valid) {
    p::decoder d;
    for (const auto& s : seeds) EXPECT_TRUE(check(d, s)) << s;
}

TEST(decoder_robustness, every_proper_prefix_is_bad_json) {
    p::decoder d;
    for (const auto& s : seeds) {
        for (std::size_t n = 0; n < s.size(); ++n) {
            const auto r = decode_exact(d, s.substr(0, n));
            ASSERT_FALSE(r.has_value()) << s.substr(0, n);
            EXPECT_EQ(r.error().code, error_code::bad_json) << s.substr(0, n);
        }
    }
}

// Decodes 6000 mutations of `from` and checks each outcome.
void check_mutations(p::decoder& d, const std::vector<std::string>& from, std::uint32_t seed) {
    mutator m(seed);
    std::size_t accepted = 0;
    std::size_t refused = 0;
    std::set<error_code> seen;
    constexpr std::size_t rounds = 6000;
    for (std::size_t i = 0; i < rounds; ++i) {
        const std::string frame = m.mutate(from[i % from.size()]);
        (check(d, frame, &seen) ? accepted : refused) += 1;
        if (testing::Test::HasFailure()) break;  // one failing frame is enough to read
    }
    // The mutations must exercise both outcomes, or this test proves nothing.
    EXPECT_GT(accepted, rounds / 50);
    EXPECT_GT(refused, rounds / 2);
    // ... and reach most of the decoder's error paths, not just bad_json.
    EXPECT_GE(seen.size(), 6U);
}

TEST(decoder_robustness, mutated_frames_yield_a_request_or_an_error) {
    // Small limits so that size checks and the memory trimming run too.
    p::decoder d(p::limits{.max_frame_bytes = 160, .max_text_bytes = 24, .retain_bytes = 64});
    check_mutations(d, seeds, 20240601);
}

TEST(decoder_robustness, every_product_seed_is_valid_when_turned_on) {
    p::decoder d(p::test::product_limits());
    for (const auto& s : product_seeds) EXPECT_TRUE(check(d, s)) << s;
}

TEST(decoder_robustness, mutated_product_frames_yield_a_request_or_an_error) {
    p::limits lim{.max_frame_bytes = 160, .max_text_bytes = 24, .retain_bytes = 64};
    lim.product_requests = true;
    p::decoder d(lim);
    check_mutations(d, product_seeds, 20261204);
}

TEST(decoder_robustness, random_bytes_are_refused) {
    p::decoder d;
    mutator m(7);
    for (int i = 0; i < 2000; ++i) {
        std::string frame(m.below(64), '\0');
        for (auto& c : frame) c = static_cast<char>(m.below(256));
        // Random bytes are almost never a JSON object; when they are, the rules still hold.
        check(d, frame);
        if (testing::Test::HasFailure()) break;
    }
}

TEST(decoder_robustness, long_runs_of_escapes_and_nesting) {
    p::decoder d;
    std::string surrogates = R"({"type":"send","room":"r","client_id":"c","text":")";
    for (int i = 0; i < 5000; ++i) surrogates += "\\ud800";
    surrogates += "\"}";
    EXPECT_EQ(p::test::error_of(decode_exact(d, surrogates)), error_code::invalid_utf8);

    std::string backslashes = R"({"type":"ping","x":")";
    backslashes += std::string(40000, '\\');
    backslashes += "\"}";
    EXPECT_TRUE(decode_exact(d, backslashes).has_value());  // 20000 escaped backslashes

    EXPECT_EQ(p::test::error_of(decode_exact(d, std::string(60000, '['))), error_code::bad_json);
    EXPECT_EQ(p::test::error_of(decode_exact(d, std::string(60000, '{'))), error_code::bad_json);
    EXPECT_EQ(p::test::error_of(decode_exact(d, std::string(60000, '"'))), error_code::bad_json);
    EXPECT_TRUE(decode_exact(d, R"({"type":"ping"})").has_value());
}
