// Error bodies never carry store internals: SQL, SQLSTATEs, file paths and
// libpq/SQLite messages stay in the server log; contract errors keep their
// messages.
#include "server/api_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace stub {
namespace {

std::string MessageOf(const ApiResponse& r) {
  return nlohmann::json::parse(r.body)["error"]["message"].get<std::string>();
}

TEST(ApiErrorTest, StoreDetailsNeverReachTheClient) {
  const std::vector<Status> internal = {
      InvalidArgument("postgres store: insert spends: ERROR:  invalid byte sequence for encoding "
                      "\"UTF8\": 0x00 [SQLSTATE 22021]"),
      AlreadyExists(
          "postgres store: insert denials: ERROR:  duplicate key value violates unique "
          "constraint \"denials_pkey\" DETAIL: Key (org, id)=(acme, dn_1) [SQLSTATE 23505]"),
      Internal("sqlite store: open /var/lib/stub/stub.db: unable to open database file"),
      Status(StatusCode::kUnavailable,
             "postgres store: connect: could not connect to server: "
             "Connection refused (host=10.0.0.5 port=5432)"),
      Status(StatusCode::kResourceExhausted, "sqlite store: more than 10000 groups"),
      FailedPrecondition("memory store: the transaction is already finished"),
      Status(StatusCode::kConflict, "postgres store: commit: could not serialize [SQLSTATE 40001]"),
  };
  for (const Status& s : internal) {
    const ApiResponse r = ErrorResponse(s);
    const std::string message = MessageOf(r);
    for (const char* leak : {"postgres", "sqlite", "SQLSTATE", "/var/lib", "ERROR", "0x00",
                             "denials_pkey", "10.0.0.5", "memory store", "INSERT", "insert"}) {
      EXPECT_EQ(r.body.find(leak), std::string::npos) << s.ToString() << " → " << r.body;
    }
    EXPECT_FALSE(message.empty());
  }
  EXPECT_EQ(ErrorResponse(internal[0]).status, 400);
  EXPECT_EQ(ErrorResponse(internal[2]).status, 500);
  EXPECT_EQ(ErrorResponse(internal[3]).status, 503);
  EXPECT_EQ(MessageOf(ErrorResponse(internal[3])), "temporarily unavailable; retry the request");
}

TEST(ApiErrorTest, ContractErrorsKeepTheirMessages) {
  const ApiResponse r = ErrorResponse(InvalidRequest("'intent' is longer than 1024 bytes"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(MessageOf(r), "'intent' is longer than 1024 bytes");
  EXPECT_EQ(MessageOf(ErrorResponse(NotFound("unknown hold 'hd_1'", "not_found"))),
            "unknown hold 'hd_1'");
  EXPECT_EQ(MessageOf(ErrorResponse(FailedPrecondition("hold hd_1 is voided", "hold_not_pending"))),
            "hold hd_1 is voided");
  EXPECT_EQ(MessageOf(ErrorResponse(InvalidArgument("amount has more than 6 decimals"))),
            "amount has more than 6 decimals");
}

}  // namespace
}  // namespace stub
