// Opens a Store from a URL: the composition root's one place that knows every
// adapter.
//   memory:        the in-memory MVCC store (nothing persists)
//   sqlite:PATH    the embedded SQLite store (created if missing)
//   postgres://…   PostgreSQL (a libpq URL; postgresql:// too)
//   dsql://…       Aurora DSQL (store/postgres/dsql_url.h): PostgreSQL with
//                  a bare BEGIN, TLS, and a fresh IAM auth token per
//                  connection from the AWS_* environment variables
#pragma once

#include <memory>
#include <string_view>

#include "core/status.h"
#include "store/store.h"

namespace stub {

// Errors: kInvalidArgument for an unknown scheme or malformed URL; the
// adapter's own errors when it cannot open (dsql:// without AWS credentials
// in the environment: kFailedPrecondition, before any connection).
Result<std::unique_ptr<Store>> OpenStore(std::string_view url);

}  // namespace stub
