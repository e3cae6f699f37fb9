// SigV4 query-string presigning, checked byte for byte against the public AWS
// SigV4 test suite.
//
// Vectors: awslabs/aws-c-auth, tests/aws-signing-test-suite/v4/<case>/ (read at
// commit 495329c2433034bd8fd53fc6ba9e0202d3fac876): context.json (credentials
// AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region us-east-1,
// service "service", timestamp 2015-08-30T12:36:00Z, expiration 3600 s, token
// for the session-token case), request.txt (the inputs below),
// query-canonical-request.txt, query-string-to-sign.txt, query-signature.txt
// and query-signed-request.txt (its query, compared as a parameter set since
// the suite's parameter order is arbitrary). The expected strings are copied
// verbatim from those files.
#include "store/postgres/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/sha256.h"
#include "core/time_util.h"

namespace stub {
namespace {

constexpr std::string_view kSuiteAccessKey = "AKIDEXAMPLE";
constexpr std::string_view kSuiteSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSuiteSessionToken =
    "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
constexpr std::string_view kSuiteHost = "example.amazonaws.com";
constexpr std::string_view kSuiteAmzDate = "20150830T123600Z";

struct SuiteCase {
  std::string name;
  std::string method;
  std::string path;                                          // raw, as in request.txt
  std::vector<std::pair<std::string, std::string>> query;    // raw
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host
  std::string session_token;
  std::string body;  // signed (sign_body: true) only when non-empty
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string signed_request_query;
};

// Keep in sync with the files named in the header comment; inputs transcribed
// from request.txt, expected values copied from the query-*.txt files.
const std::vector<SuiteCase>& SuiteCases() {
  static const std::vector<SuiteCase> cases = {
      // request.txt:
      //   GET / HTTP/1.1
      //   Host:example.amazonaws.com
      {
          .name = "get-vanilla",
          .method = "GET",
          .path = "/",
          .query = {},
          .headers = {},
          .session_token = "",
          .body = "",
          .canonical_request = "GET\n"
                               "/\n"
                               "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%"
                               "2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date="
                               "20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\n"
                               "host:example.amazonaws.com\n"
                               "\n"
                               "host\n"
                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "bb7705b4aa3cb8e8f5e1e0b3d4c0b64030797a313c8ceee43e33117cc43eadc5",
          .signature = "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d",
          .signed_request_query =
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-"
              "Amz-Expires=3600&X-Amz-Signature="
              "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d",
      },
      // request.txt:
      //   GET / HTTP/1.1
      //   Host:example.amazonaws.com
      {
          .name = "get-vanilla-with-session-token",
          .method = "GET",
          .path = "/",
          .query = {},
          .headers = {},
          .session_token = std::string(kSuiteSessionToken),
          .body = "",
          .canonical_request =
              "GET\n"
              "/\n"
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-"
              "Security-Token=6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267&X-"
              "Amz-SignedHeaders=host\n"
              "host:example.amazonaws.com\n"
              "\n"
              "host\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "cb30434103085aa9e73780fc60dc9a9df818fd2a7b1de12a9f6f4d791f898761",
          .signature = "7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c",
          .signed_request_query =
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-"
              "Amz-Expires=3600&X-Amz-Security-Token="
              "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267&X-Amz-Signature="
              "7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c",
      },
      // request.txt:
      //   GET /?Param2=value2&Param1=value1 HTTP/1.1
      //   Host:example.amazonaws.com
      {
          .name = "get-vanilla-query-order-key-case",
          .method = "GET",
          .path = "/",
          .query = {{"Param2", "value2"}, {"Param1", "value1"}},
          .headers = {},
          .session_token = "",
          .body = "",
          .canonical_request =
              "GET\n"
              "/\n"
              "Param1=value1&Param2=value2&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
              "AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date="
              "20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\n"
              "host:example.amazonaws.com\n"
              "\n"
              "host\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "b82878ecb2ab7ad194b9fe79b2946c2a36ee1627a219408089b2d774c1a0cedb",
          .signature = "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5",
          .signed_request_query =
              "Param2=value2&Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
              "AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date="
              "20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature="
              "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5",
      },
      // request.txt:
      //   GET
      //   /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz
      //   HTTP/1.1
      //   Host:example.amazonaws.com
      {
          .name = "get-vanilla-query-unreserved",
          .method = "GET",
          .path = "/",
          .query = {{"-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}},
          .headers = {},
          .session_token = "",
          .body = "",
          .canonical_request =
              "GET\n"
              "/\n"
              "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~"
              "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz&X-Amz-Algorithm=AWS4-"
              "HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_"
              "request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\n"
              "host:example.amazonaws.com\n"
              "\n"
              "host\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "c77f27ef2b499fbfee3f0b3c88bba7057b2b31ee9b62047078a5e0d6be91fd58",
          .signature = "8e76a88a7433637b12778d5592799b29ad21ecd6cf6325051c21d86f0acda2bf",
          .signed_request_query =
              "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~"
              "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz&X-Amz-Algorithm=AWS4-"
              "HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_"
              "request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-"
              "Amz-Signature=8e76a88a7433637b12778d5592799b29ad21ecd6cf6325051c21d86f0acda2bf",
      },
      // request.txt:
      //   GET /?Param-3=Value3&Param=Value2&%E1%88%B4=Value1 HTTP/1.1
      //   Host:example.amazonaws.com
      {
          .name = "get-vanilla-query-order-encoded",
          .method = "GET",
          .path = "/",
          .query = {{"Param-3", "Value3"},
                    {"Param", "Value2"},
                    {"\xE1"
                     "\x88"
                     "\xB4",
                     "Value1"}},
          .headers = {},
          .session_token = "",
          .body = "",
          .canonical_request =
              "GET\n"
              "/\n"
              "%E1%88%B4=Value1&Param=Value2&Param-3=Value3&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-"
              "Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date="
              "20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\n"
              "host:example.amazonaws.com\n"
              "\n"
              "host\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "9808d6cdc8245c74e705c68350fc6a62b91778cdd613890e5d177998c02c6f53",
          .signature = "c5f1848ceec943ac2ca68ee720460c23aaae30a2300586597ada94c4a65e4787",
          .signed_request_query =
              "Param-3=Value3&Param=Value2&%E1%88%B4=Value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-"
              "Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date="
              "20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature="
              "c5f1848ceec943ac2ca68ee720460c23aaae30a2300586597ada94c4a65e4787",
      },
      // request.txt:
      //   GET /?\u1234=bar HTTP/1.1
      //   Host:example.amazonaws.com
      {
          .name = "get-vanilla-utf8-query",
          .method = "GET",
          .path = "/",
          .query = {{"\xE1"
                     "\x88"
                     "\xB4",
                     "bar"}},
          .headers = {},
          .session_token = "",
          .body = "",
          .canonical_request = "GET\n"
                               "/\n"
                               "%E1%88%B4=bar&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
                               "AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-"
                               "Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\n"
                               "host:example.amazonaws.com\n"
                               "\n"
                               "host\n"
                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "b2e8ae8e48ec880defebc6f6dc1d9fbc9f1856b33146f2943060ca71a50a7a77",
          .signature = "0bdd809b1519ac4f0c1dc3540e2cc46bd0c7f778eda408b2ebf3b913d21ff600",
          .signed_request_query =
              "\xE1"
              "\x88"
              "\xB4"
              "=bar&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-"
              "east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders="
              "host&X-Amz-Expires=3600&X-Amz-Signature="
              "0bdd809b1519ac4f0c1dc3540e2cc46bd0c7f778eda408b2ebf3b913d21ff600",
      },
      // request.txt:
      //   GET /\u1234 HTTP/1.1
      //   Host:example.amazonaws.com
      {
          .name = "get-utf8",
          .method = "GET",
          .path = "/"
                  "\xE1"
                  "\x88"
                  "\xB4",
          .query = {},
          .headers = {},
          .session_token = "",
          .body = "",
          .canonical_request = "GET\n"
                               "/%E1%88%B4\n"
                               "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%"
                               "2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date="
                               "20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\n"
                               "host:example.amazonaws.com\n"
                               "\n"
                               "host\n"
                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "d8f78e05d0d9bb1c16ae1e60ed405de76cfb8fdcd3e414ffe65fad563b996d66",
          .signature = "10eae3f14a260bd3911cc6d008d3c576d143b05b62f09782a7a4b37f52178e44",
          .signed_request_query =
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-"
              "Amz-Expires=3600&X-Amz-Signature="
              "10eae3f14a260bd3911cc6d008d3c576d143b05b62f09782a7a4b37f52178e44",
      },
      // request.txt:
      //   GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1
      //   Host:example.amazonaws.com
      {
          .name = "get-unreserved",
          .method = "GET",
          .path = "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
          .query = {},
          .headers = {},
          .session_token = "",
          .body = "",
          .canonical_request =
              "GET\n"
              "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n"
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-"
              "SignedHeaders=host\n"
              "host:example.amazonaws.com\n"
              "\n"
              "host\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "3134f2fbc6ef58f34b74b01643a159bfccbc121ea4288a4b75e65bc805d08219",
          .signature = "95968482db1b9e0fadef6efc1bd24689f77c77d9ef56919c96a28cc92e0d6005",
          .signed_request_query =
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-"
              "Amz-Expires=3600&X-Amz-Signature="
              "95968482db1b9e0fadef6efc1bd24689f77c77d9ef56919c96a28cc92e0d6005",
      },
      // request.txt:
      //   GET /example space/ HTTP/1.1
      //   Host:example.amazonaws.com
      {
          .name = "get-space-unnormalized",
          .method = "GET",
          .path = "/example space/",
          .query = {},
          .headers = {},
          .session_token = "",
          .body = "",
          .canonical_request = "GET\n"
                               "/example%20space/\n"
                               "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%"
                               "2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date="
                               "20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\n"
                               "host:example.amazonaws.com\n"
                               "\n"
                               "host\n"
                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "cc3dd817bd405e51225826ec4934a96d065d6af5b6b0163c7a5abbd26a84519e",
          .signature = "7a1f416954786484c9824d93c1f26ef64acb9b1b6c9154d08c9f07d0e394abf6",
          .signed_request_query =
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-"
              "Amz-Expires=3600&X-Amz-Signature="
              "7a1f416954786484c9824d93c1f26ef64acb9b1b6c9154d08c9f07d0e394abf6",
      },
      // request.txt:
      //   GET / HTTP/1.1
      //   Host:example.amazonaws.com
      //   My-Header1: value1
      //   My-Header2: "a   b   c"
      {
          .name = "get-header-value-trim",
          .method = "GET",
          .path = "/",
          .query = {},
          .headers = {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
          .session_token = "",
          .body = "",
          .canonical_request =
              "GET\n"
              "/\n"
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-"
              "SignedHeaders=host%3Bmy-header1%3Bmy-header2\n"
              "host:example.amazonaws.com\n"
              "my-header1:value1\n"
              "my-header2:\"a b c\"\n"
              "\n"
              "host;my-header1;my-header2\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "84c9e353b6161b689210977f93b93e6a7182f9ecb2ceae8af8c3d86b080a88ae",
          .signature = "e7bb0fd515e125e1aec2ecc4c0c17484fb06f6846b927c35e46005dd3df3acd4",
          .signed_request_query =
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host%"
              "3Bmy-header1%3Bmy-header2&X-Amz-Expires=3600&X-Amz-Signature="
              "e7bb0fd515e125e1aec2ecc4c0c17484fb06f6846b927c35e46005dd3df3acd4",
      },
      // request.txt:
      //   GET / HTTP/1.1
      //   Host:example.amazonaws.com
      //   My-Header1:value2
      //   My-Header1:value2
      //   My-Header1:value1
      {
          .name = "get-header-key-duplicate",
          .method = "GET",
          .path = "/",
          .query = {},
          .headers = {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
          .session_token = "",
          .body = "",
          .canonical_request =
              "GET\n"
              "/\n"
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-"
              "SignedHeaders=host%3Bmy-header1\n"
              "host:example.amazonaws.com\n"
              "my-header1:value2,value2,value1\n"
              "\n"
              "host;my-header1\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "fe8b58fb44117d598520befc07c144a5699c661a8db78f9ce4caee1655dec813",
          .signature = "3349ee0b81b4b589da0ff28a395c3591e04de515651dd74f298fa992d1507a97",
          .signed_request_query =
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host%"
              "3Bmy-header1&X-Amz-Expires=3600&X-Amz-Signature="
              "3349ee0b81b4b589da0ff28a395c3591e04de515651dd74f298fa992d1507a97",
      },
      // request.txt:
      //   POST /?Param1=value1 HTTP/1.1
      //   Host:example.amazonaws.com
      {
          .name = "post-vanilla-empty-query-value",
          .method = "POST",
          .path = "/",
          .query = {{"Param1", "value1"}},
          .headers = {},
          .session_token = "",
          .body = "",
          .canonical_request = "POST\n"
                               "/\n"
                               "Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
                               "AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-"
                               "Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\n"
                               "host:example.amazonaws.com\n"
                               "\n"
                               "host\n"
                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "98241d1c6f938789d34b92e16e08b7fc8fdaa774c5437ba30d505eedae43dd2b",
          .signature = "a9ef26247f293bffe40eeff86a0480ba8c14d31503b2e0c3399e3a16bf1a3682",
          .signed_request_query =
              "Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%"
              "2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-"
              "SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature="
              "a9ef26247f293bffe40eeff86a0480ba8c14d31503b2e0c3399e3a16bf1a3682",
      },
      // request.txt:
      //   POST / HTTP/1.1
      //   Content-Type:application/x-www-form-urlencoded
      //   Host:example.amazonaws.com
      //   Content-Length:13
      //
      //   Param1=value1
      {
          .name = "post-x-www-form-urlencoded",
          .method = "POST",
          .path = "/",
          .query = {},
          .headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                      {"Content-Length", "13"}},
          .session_token = "",
          .body = "Param1=value1",
          .canonical_request =
              "POST\n"
              "/\n"
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-"
              "SignedHeaders=content-length%3Bcontent-type%3Bhost\n"
              "content-length:13\n"
              "content-type:application/x-www-form-urlencoded\n"
              "host:example.amazonaws.com\n"
              "\n"
              "content-length;content-type;host\n"
              "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
          .string_to_sign = "AWS4-HMAC-SHA256\n"
                            "20150830T123600Z\n"
                            "20150830/us-east-1/service/aws4_request\n"
                            "ee5059a7c437165a28d0e775e6498be428761255d657d8c04cb1baa41de6514c",
          .signature = "89a40deed0f26f9461242825a082d2222717248abc7ab41f552ad84a94ad46e9",
          .signed_request_query =
              "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-"
              "1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=content-"
              "length%3Bcontent-type%3Bhost&X-Amz-Expires=3600&X-Amz-Signature="
              "89a40deed0f26f9461242825a082d2222717248abc7ab41f552ad84a94ad46e9",
      },
  };
  return cases;
}

SigV4PresignRequest SuiteRequest(const SuiteCase& c) {
  SigV4PresignRequest r;
  r.method = c.method;
  r.host = std::string(kSuiteHost);
  r.path = c.path;
  for (const auto& [k, v] : c.query) r.query.emplace(k, v);
  r.headers = c.headers;
  r.service = "service";
  r.region = "us-east-1";
  r.credentials = {.access_key_id = std::string(kSuiteAccessKey),
                   .secret_access_key = std::string(kSuiteSecretKey),
                   .session_token = c.session_token};
  r.amz_date = std::string(kSuiteAmzDate);
  r.expires = std::chrono::seconds(3600);
  if (!c.body.empty()) r.payload_hash = ToHex(Sha256(c.body));
  return r;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 && HexDigit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// A query string as a sorted list of decoded (key, value) pairs.
std::vector<std::pair<std::string, std::string>> DecodedParams(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    const std::size_t eq = item.find('=');
    out.emplace_back(PercentDecode(item.substr(0, eq)),
                     eq == std::string_view::npos ? "" : PercentDecode(item.substr(eq + 1)));
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The third line of a canonical request: the canonical query string.
std::string CanonicalQueryOf(std::string_view canonical_request) {
  std::size_t pos = canonical_request.find('\n');
  pos = canonical_request.find('\n', pos + 1);
  const std::size_t end = canonical_request.find('\n', pos + 1);
  return std::string(canonical_request.substr(pos + 1, end - pos - 1));
}

class SigV4SuiteTest : public testing::TestWithParam<SuiteCase> {};

TEST_P(SigV4SuiteTest, MatchesCanonicalRequestStringToSignAndSignature) {
  const SuiteCase& c = GetParam();
  const Result<SigV4Presigned> r = PresignSigV4(SuiteRequest(c));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->canonical_request, c.canonical_request);
  EXPECT_EQ(r->string_to_sign, c.string_to_sign);
  EXPECT_EQ(r->signature, c.signature);
  // The query to send is the signed canonical query plus the signature...
  EXPECT_EQ(r->query_string,
            CanonicalQueryOf(c.canonical_request) + "&X-Amz-Signature=" + c.signature);
  // ...which carries the same parameters as the suite's signed request.
  EXPECT_EQ(DecodedParams(r->query_string), DecodedParams(c.signed_request_query));
}

INSTANTIATE_TEST_SUITE_P(AwsSigV4TestSuite, SigV4SuiteTest, testing::ValuesIn(SuiteCases()),
                         [](const testing::TestParamInfo<SuiteCase>& param_info) {
                           std::string name = param_info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(SigV4Test, SuiteVectorsCoverWhatTheBriefRequires) {
  std::vector<std::string> names;
  for (const SuiteCase& c : SuiteCases()) names.push_back(c.name);
  for (const char* required :
       {"get-vanilla", "get-vanilla-with-session-token", "get-vanilla-query-order-key-case",
        "get-vanilla-query-unreserved", "get-utf8", "post-x-www-form-urlencoded"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), required), names.end()) << required;
  }
}

TEST(SigV4Test, SessionTokenIsSignedInTheQuery) {
  const SuiteCase& with_token = SuiteCases()[1];
  ASSERT_EQ(with_token.name, "get-vanilla-with-session-token");
  const Result<SigV4Presigned> r = PresignSigV4(SuiteRequest(with_token));
  ASSERT_TRUE(r.ok());
  const std::string expected_param = "X-Amz-Security-Token=" + std::string(kSuiteSessionToken);
  EXPECT_NE(CanonicalQueryOf(r->canonical_request).find(expected_param), std::string::npos);
  EXPECT_NE(r->query_string.find(expected_param), std::string::npos);
}

TEST(SigV4Test, AmzDateFromTimestampReproducesTheSuite) {
  const Result<std::string> date = FormatAmzDate(MakeTimestamp(2015, 8, 30, 12, 36, 0));
  ASSERT_TRUE(date.ok());
  EXPECT_EQ(*date, kSuiteAmzDate);
}

TEST(SigV4Test, FormatAmzDate) {
  EXPECT_EQ(FormatAmzDate(0).value(), "19700101T000000Z");
  // Sub-second micros are truncated, never rounded up.
  EXPECT_EQ(FormatAmzDate(MakeTimestamp(2026, 11, 28, 23, 59, 59) + 999'999).value(),
            "20261128T235959Z");
  EXPECT_EQ(FormatAmzDate(MakeTimestamp(2024, 2, 29, 1, 2, 3)).value(), "20240229T010203Z");
  EXPECT_EQ(FormatAmzDate(MakeTimestamp(9999, 12, 31, 23, 59, 59)).value(), "99991231T235959Z");
  EXPECT_EQ(FormatAmzDate(-1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FormatAmzDate(MakeTimestamp(10000, 1, 1)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SigV4Test, UriEncode) {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(SigV4UriEncode(unreserved, false), unreserved);
  EXPECT_EQ(SigV4UriEncode("", false), "");
  EXPECT_EQ(SigV4UriEncode("a b", false), "a%20b");  // never '+'
  EXPECT_EQ(SigV4UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(SigV4UriEncode("/a/b c/", true), "/a/b%20c/");
  EXPECT_EQ(SigV4UriEncode("+=&%*!'()$,;:@?#[]", false),
            "%2B%3D%26%25%2A%21%27%28%29%24%2C%3B%3A%40%3F%23%5B%5D");
  EXPECT_EQ(SigV4UriEncode("\xE1\x88\xB4", false), "%E1%88%B4");  // uppercase hex
  EXPECT_EQ(SigV4UriEncode(std::string_view("\0\x7f\xff", 3), false), "%00%7F%FF");
}

SigV4PresignRequest SimpleRequest() {
  SigV4PresignRequest r;
  r.host = "example.amazonaws.com";
  r.service = "service";
  r.region = "us-east-1";
  r.credentials = {.access_key_id = std::string(kSuiteAccessKey),
                   .secret_access_key = std::string(kSuiteSecretKey),
                   .session_token = std::string(kSuiteSessionToken)};
  r.amz_date = std::string(kSuiteAmzDate);
  return r;
}

TEST(SigV4Test, QueryKeysAndValuesAreEncodedAndSortedByKeyThenValue) {
  SigV4PresignRequest r = SimpleRequest();
  r.credentials.session_token.clear();
  r.query = {{"b", "x/y+z=w"}, {"a", "2"}, {"a", "1"}, {"a b", "c d"}, {"A", ""}};
  const Result<SigV4Presigned> s = PresignSigV4(r);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  // Byte order of the encoded keys: uppercase before lowercase, so the
  // X-Amz-* parameters sort between "A" and "a"; a key sorts before any
  // longer key it prefixes ("a" < "a%20b"); equal keys sort by value.
  EXPECT_EQ(CanonicalQueryOf(s->canonical_request),
            "A=&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
            "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&"
            "X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&"
            "a=1&a=2&a%20b=c%20d&b=x%2Fy%2Bz%3Dw");
}

TEST(SigV4Test, UnsignedPayloadIsUsedVerbatim) {
  SigV4PresignRequest r = SimpleRequest();
  const Result<SigV4Presigned> hashed = PresignSigV4(r);
  r.payload_hash = std::string(kSigV4UnsignedPayload);
  const Result<SigV4Presigned> unsigned_payload = PresignSigV4(r);
  ASSERT_TRUE(hashed.ok() && unsigned_payload.ok());
  EXPECT_TRUE(hashed->canonical_request.ends_with("\n" + std::string(kSigV4EmptyPayloadSha256)));
  EXPECT_TRUE(unsigned_payload->canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_NE(hashed->signature, unsigned_payload->signature);
}

TEST(SigV4Test, DeterministicAndSensitiveToEveryInput) {
  const SigV4PresignRequest base = SimpleRequest();
  const Result<SigV4Presigned> a = PresignSigV4(base);
  const Result<SigV4Presigned> b = PresignSigV4(base);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->query_string, b->query_string);
  ASSERT_EQ(a->signature.size(), 64u);
  EXPECT_TRUE(std::all_of(a->signature.begin(), a->signature.end(),
                          [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));

  std::vector<SigV4PresignRequest> variants(8, base);
  variants[0].credentials.secret_access_key += "x";
  variants[1].credentials.access_key_id += "X";
  variants[2].credentials.session_token += "x";
  variants[3].region = "us-west-2";
  variants[4].service = "dsql";
  variants[5].amz_date = "20150830T123601Z";
  variants[6].expires = std::chrono::seconds(3599);
  variants[7].host = "example2.amazonaws.com";
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const Result<SigV4Presigned> v = PresignSigV4(variants[i]);
    ASSERT_TRUE(v.ok()) << i;
    EXPECT_NE(v->signature, a->signature) << i;
  }
}

TEST(SigV4Test, RejectsMalformedRequestsWithoutLeakingSecrets) {
  std::vector<std::pair<std::string, SigV4PresignRequest>> bad;
  auto add = [&](std::string what, auto mutate) {
    SigV4PresignRequest r = SimpleRequest();
    mutate(r);
    bad.emplace_back(std::move(what), std::move(r));
  };
  add("lowercase method", [](SigV4PresignRequest& r) { r.method = "get"; });
  add("empty method", [](SigV4PresignRequest& r) { r.method.clear(); });
  add("empty host", [](SigV4PresignRequest& r) { r.host.clear(); });
  add("host with scheme", [](SigV4PresignRequest& r) { r.host = "https://example.com"; });
  add("host with space", [](SigV4PresignRequest& r) { r.host = "exa mple.com"; });
  add("relative path", [](SigV4PresignRequest& r) { r.path = "a/b"; });
  add("empty path", [](SigV4PresignRequest& r) { r.path.clear(); });
  add("empty service", [](SigV4PresignRequest& r) { r.service.clear(); });
  add("service with slash", [](SigV4PresignRequest& r) { r.service = "a/b"; });
  add("region with newline", [](SigV4PresignRequest& r) { r.region = "us-east-1\n"; });
  add("empty access key", [](SigV4PresignRequest& r) { r.credentials.access_key_id.clear(); });
  add("access key with slash", [](SigV4PresignRequest& r) { r.credentials.access_key_id += "/"; });
  add("empty secret", [](SigV4PresignRequest& r) { r.credentials.secret_access_key.clear(); });
  add("date without T", [](SigV4PresignRequest& r) { r.amz_date = "20150830 123600Z"; });
  add("date too short", [](SigV4PresignRequest& r) { r.amz_date = "20150830T1236Z"; });
  add("date month 13", [](SigV4PresignRequest& r) { r.amz_date = "20151330T123600Z"; });
  add("expires 0", [](SigV4PresignRequest& r) { r.expires = std::chrono::seconds(0); });
  add("expires > 7 days",
      [](SigV4PresignRequest& r) { r.expires = kSigV4MaxExpires + std::chrono::seconds(1); });
  add("empty payload hash", [](SigV4PresignRequest& r) { r.payload_hash.clear(); });
  add("reserved query key", [](SigV4PresignRequest& r) { r.query.emplace("X-Amz-Date", "x"); });
  add("signature in query", [](SigV4PresignRequest& r) { r.query.emplace("X-Amz-Signature", ""); });
  add("host in headers", [](SigV4PresignRequest& r) { r.headers = {{"Host", "evil.com"}}; });
  add("bad header name", [](SigV4PresignRequest& r) { r.headers = {{"a b", "v"}}; });
  add("header value newline", [](SigV4PresignRequest& r) { r.headers = {{"x-a", "v\r\nx: y"}}; });
  for (const auto& [what, request] : bad) {
    const Result<SigV4Presigned> r = PresignSigV4(request);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << what;
    EXPECT_EQ(r.status().message().find(kSuiteSecretKey), std::string::npos) << what;
    EXPECT_EQ(r.status().message().find(kSuiteSessionToken), std::string::npos) << what;
  }
}

TEST(SigV4Test, MaximumExpiryIsAccepted) {
  SigV4PresignRequest r = SimpleRequest();
  r.expires = kSigV4MaxExpires;
  const Result<SigV4Presigned> s = PresignSigV4(r);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_NE(s->query_string.find("X-Amz-Expires=604800&"), std::string::npos);
}

}  // namespace
}  // namespace stub
