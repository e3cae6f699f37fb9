#include "core/status.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, ToStringNamesCodeMessageAndReason) {
  EXPECT_EQ(InvalidArgument("bad amount", "invalid_amount").ToString(),
            "INVALID_ARGUMENT: bad amount [invalid_amount]");
  EXPECT_EQ(Conflict("lost the race").ToString(), "CONFLICT: lost the race");
  EXPECT_EQ(Internal("oops").ToString(), "INTERNAL: oops");
}

TEST(StatusTest, CodeNames) {
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidArgument), "INVALID_ARGUMENT");
  EXPECT_EQ(StatusCodeName(StatusCode::kNotFound), "NOT_FOUND");
  EXPECT_EQ(StatusCodeName(StatusCode::kAlreadyExists), "ALREADY_EXISTS");
  EXPECT_EQ(StatusCodeName(StatusCode::kFailedPrecondition), "FAILED_PRECONDITION");
  EXPECT_EQ(StatusCodeName(StatusCode::kOutOfRange), "OUT_OF_RANGE");
  EXPECT_EQ(StatusCodeName(StatusCode::kConflict), "CONFLICT");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnavailable), "UNAVAILABLE");
  EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kInternal), "INTERNAL");
}

TEST(StatusTest, Retryability) {
  EXPECT_TRUE(Conflict("x").retryable());
  EXPECT_TRUE(Unavailable("x").retryable());
  EXPECT_FALSE(InvalidArgument("x").retryable());
  EXPECT_FALSE(Internal("x").retryable());
  EXPECT_FALSE(Status::Ok().retryable());
}

Result<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgument("odd", "odd_number");
  return v / 2;
}

Result<int> Quarter(int v) {
  STUB_ASSIGN_OR_RETURN(int h, Half(v));
  STUB_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int v) {
  STUB_RETURN_IF_ERROR(Half(v).ok() ? Status::Ok() : InvalidArgument("odd"));
  return Status::Ok();
}

TEST(ResultTest, ValueOrStatusAndMacros) {
  Result<int> q = Quarter(12);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 3);
  Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().reason(), "odd_number");
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_EQ(CheckEven(3).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace stub
