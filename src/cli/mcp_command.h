// `stub mcp --url http://HOST:8402 [--key KEY]`: an MCP server on stdio
// (issue 21) acting as one Stub key (--key, else $STUB_AGENT_KEY) against a
// running `stub serve`. Newline-delimited JSON-RPC 2.0 on stdin/stdout (the
// MCP stdio transport): one message per line, each answer on one line of
// stdout; logs only on stderr, never the key. A line longer than 1 MiB is
// answered -32600 and skipped. Ends at end of input (exit 0).
//
// The tools and resources are mcp/stub_tools.h's; each tool call is one or
// two HTTP requests to the server (HttpConnection, one keep-alive
// connection). HOST is a numeric address or "localhost".
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddMcpCommand(CLI::App& app);

}  // namespace stub
