// What reading a spend's JSON body costs, per parser (issue 19): nlohmann's
// DOM parse as the server did before (unbounded), the bounded SAX→DOM parse
// every body now goes through (core/json_input), and, where libsimdjson-dev
// is installed, simdjson's DOM parse (a reused parser) for comparison. Each on
// a spend body without a receipt and one with a ~1 KiB x402-style receipt;
// "+receipt" adds the receipt's canonicalisation, as POST /v1/spends does.
//
//   ./build/release/stub_bench --benchmark_filter=JsonParse
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/canonical_json.h"
#include "core/json_input.h"
#ifdef STUB_HAVE_SIMDJSON
#include <simdjson.h>
#endif

namespace stub {
namespace {

const std::string& SpendBody() {
  static const std::string body =
      R"({"agent":"mkt-researcher-1","amount":"0.25","vendor":"api.dataco.com","category":"data",)"
      R"("session":"sess-42","user":"alice@acme.com","intent":"weekly competitor report",)"
      R"("idempotency_key":"9f1c2b7e-5d1a-4c3b-8e2f-0a1b2c3d4e5f"})";
  return body;
}

const std::string& SpendBodyWithReceipt() {
  static const std::string body = [] {
    std::string b = SpendBody();
    b.pop_back();
    b += R"(,"receipt":{"x402Version":1,"scheme":"exact","network":"base-sepolia",)"
         R"("payer":"0x857b06519E91e3A54538791bDbb0E22373e36b66",)"
         R"("transaction":"0x1e8a1b6c9d3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c",)"
         R"("success":true,"amount":"250000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e",)"
         R"("request":{"method":"POST","url":"https://api.dataco.com/v2/search?q=competitors",)"
         R"("headers":{"accept":"application/json","user-agent":"agent/1.0"}},)"
         R"("usage":{"model":"gpt-4o-mini","prompt_tokens":1532,"completion_tokens":412,)"
         R"("total_tokens":1944,"cost":0.000613},"items":[)";
    for (int i = 0; i < 8; ++i) {
      if (i > 0) b += ',';
      b += R"({"id":"item-)" + std::to_string(i) + R"(","score":0.)" + std::to_string(91 - i) +
           R"(,"tags":["market","pricing"]})";
    }
    b += "]}}";
    return b;
  }();
  return body;
}

const std::string& BodyFor(const benchmark::State& state) {
  return state.range(0) == 0 ? SpendBody() : SpendBodyWithReceipt();
}

void BM_JsonParseNlohmannDom(benchmark::State& state) {
  const std::string& body = BodyFor(state);
  for (auto _ : state) {
    auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    benchmark::DoNotOptimize(j);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_JsonParseNlohmannDom)->Arg(0)->Arg(1);

void BM_JsonParseBounded(benchmark::State& state) {
  const std::string& body = BodyFor(state);
  for (auto _ : state) {
    auto j = ParseBoundedJson(body);
    benchmark::DoNotOptimize(j);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_JsonParseBounded)->Arg(0)->Arg(1);

// The receipt path of a spend: bounded parse, then the receipt's dump and
// canonicalisation (server/json_body OptionalReceipt).
void BM_JsonParseBoundedPlusReceipt(benchmark::State& state) {
  const std::string& body = SpendBodyWithReceipt();
  for (auto _ : state) {
    auto j = ParseBoundedJson(body);
    auto canonical = CanonicalizeReceipt((*j)["receipt"].dump());
    benchmark::DoNotOptimize(canonical);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_JsonParseBoundedPlusReceipt);

#ifdef STUB_HAVE_SIMDJSON
void BM_JsonParseSimdjsonDom(benchmark::State& state) {
  const std::string& body = BodyFor(state);
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(body);
  for (auto _ : state) {
    auto doc = parser.parse(padded);
    std::string_view agent;
    benchmark::DoNotOptimize(doc["agent"].get(agent));
    benchmark::DoNotOptimize(agent);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_JsonParseSimdjsonDom)->Arg(0)->Arg(1);
#endif

}  // namespace
}  // namespace stub
