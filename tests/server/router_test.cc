// Router: matching by method and path, placeholders, 404/405, and the loop
// handlers that let non-blocking routes answer on the event loop.
#include "server/router.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

ApiRequest Request(std::string method, std::string path) {
  ApiRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

ApiResponse RoutedAnswer(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/v1/holds/{id}", [](const ApiRequest&, const PathParams& params) {
      return RoutedAnswer(200, "worker:" + params.at("id"));
    });
    router_.Add(
        "POST", "/v1/holds/{id}/capture",
        [](const ApiRequest&, const PathParams& params) {
          return RoutedAnswer(201, "worker:" + params.at("id"));
        },
        [](const ApiRequest& request, const PathParams& params) -> std::optional<ApiResponse> {
          if (request.body == "would block") return std::nullopt;
          return RoutedAnswer(201, "loop:" + params.at("id"));
        });
  }
  Router router_;
};

TEST_F(RouterTest, MatchesMethodAndPathAndPassesPlaceholders) {
  const ApiResponse got = router_.Handle(Request("GET", "/v1/holds/h_1"));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "worker:h_1");
  const ApiResponse captured = router_.Handle(Request("POST", "/v1/holds/h_2/capture"));
  EXPECT_EQ(captured.status, 201);
  EXPECT_EQ(captured.body, "worker:h_2");
}

TEST_F(RouterTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  EXPECT_EQ(router_.Handle(Request("GET", "/v1/nothing")).status, 404);
  EXPECT_EQ(router_.Handle(Request("GET", "/v1/holds/")).status, 404);  // empty placeholder
  const ApiResponse wrong = router_.Handle(Request("DELETE", "/v1/holds/h_1"));
  EXPECT_EQ(wrong.status, 405);
  ASSERT_EQ(wrong.headers.size(), 1u);
  EXPECT_EQ(wrong.headers[0].first, "Allow");
  EXPECT_EQ(wrong.headers[0].second, "GET");
}

TEST_F(RouterTest, OnlyRoutesWithALoopHandlerAnswerOnTheLoop) {
  auto quick = router_.TryOnLoop(Request("POST", "/v1/holds/h_3/capture"));
  ASSERT_TRUE(quick.has_value());
  EXPECT_EQ(quick->status, 201);
  EXPECT_EQ(quick->body, "loop:h_3");
  // The loop handler declines: the request goes to a worker.
  ApiRequest blocking = Request("POST", "/v1/holds/h_3/capture");
  blocking.body = "would block";
  EXPECT_FALSE(router_.TryOnLoop(blocking).has_value());
  // No loop handler, no route, wrong method: all left to Handle.
  EXPECT_FALSE(router_.TryOnLoop(Request("GET", "/v1/holds/h_1")).has_value());
  EXPECT_FALSE(router_.TryOnLoop(Request("GET", "/v1/nothing")).has_value());
  EXPECT_FALSE(router_.TryOnLoop(Request("GET", "/v1/holds/h_1/capture")).has_value());
}

}  // namespace
}  // namespace stub
