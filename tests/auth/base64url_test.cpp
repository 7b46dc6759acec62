// base64url as JWS and JWK write it: one encoding per value.

#include "auth/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using chatd::auth::base64url_decode;
using chatd::auth::base64url_encode;

TEST(base64url, what_is_encoded_decodes_to_itself) {
    for (const std::string& s : {std::string(), std::string("A"), std::string("AB"), std::string("ABC"),
                                  std::string("ABCD"), std::string("\0\xff\xfe", 3)})
        EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");  // the URL-safe digits, no padding
}

TEST(base64url, input_no_encoder_writes_is_refused) {
    EXPECT_EQ(base64url_decode("QQ"), "A");
    EXPECT_FALSE(base64url_decode("QR"));     // unused bits set: a second spelling of "A"
    EXPECT_FALSE(base64url_decode("QUJDR"));  // 4n + 1 characters
    EXPECT_FALSE(base64url_decode("QQ=="));   // padding
    EXPECT_FALSE(base64url_decode("Q+"));     // plain base64's digits
}

}  // namespace
