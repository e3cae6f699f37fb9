// core/llm_call.h: what the metering gateway reads from an LLM call — the
// endpoint, the call's bound, and the usage in answers and streams.
#include "core/llm_call.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

using Json = nlohmann::json;

TEST(LlmCall, EndpointsArePerProviderKind) {
  EXPECT_EQ(LlmEndpointFor(ProviderKind::kOpenAi, "/chat/completions"),
            LlmEndpoint::kChatCompletions);
  EXPECT_EQ(LlmEndpointFor(ProviderKind::kOpenAi, "/embeddings"), LlmEndpoint::kEmbeddings);
  EXPECT_EQ(LlmEndpointFor(ProviderKind::kOpenAi, "/responses"), LlmEndpoint::kResponses);
  EXPECT_EQ(LlmEndpointFor(ProviderKind::kOpenAi, "/messages"), std::nullopt);
  EXPECT_EQ(LlmEndpointFor(ProviderKind::kAnthropic, "/messages"), LlmEndpoint::kMessages);
  EXPECT_EQ(LlmEndpointFor(ProviderKind::kAnthropic, "/chat/completions"), std::nullopt);
  EXPECT_EQ(LlmEndpointPath(LlmEndpoint::kResponses), "/responses");
}

TEST(LlmCall, TheBoundCountsBodyBytesMessagesAndPointedToParts) {
  const std::string text =
      R"({"model":"gpt-test","max_tokens":50,"messages":[{"role":"system","content":"be brief"},)"
      R"({"role":"user","content":[{"type":"text","text":"what is this?"},)"
      R"({"type":"image_url","image_url":{"url":"https://x.example/a.png"}}]}]})";
  const auto call = ReadLlmCall(LlmEndpoint::kChatCompletions, Json::parse(text), text.size());
  ASSERT_TRUE(call.ok()) << call.status().ToString();
  EXPECT_EQ(call->model, "gpt-test");
  EXPECT_FALSE(call->stream);
  EXPECT_EQ(call->max_output, 50);
  EXPECT_EQ(call->input_tokens_bound, static_cast<std::int64_t>(text.size()) + kCallOverheadTokens +
                                          2 * kMessageOverheadTokens + kImagePartTokens);
}

TEST(LlmCall, MaxTokensUnderAnyOfItsNamesAndEmbeddingsHaveNoOutput) {
  auto read = [](LlmEndpoint e, const std::string& text) {
    return ReadLlmCall(e, Json::parse(text), text.size());
  };
  EXPECT_EQ(
      read(LlmEndpoint::kChatCompletions, R"({"model":"m","max_completion_tokens":7})")->max_output,
      7);
  EXPECT_EQ(read(LlmEndpoint::kResponses, R"({"model":"m","max_output_tokens":9,"stream":true})")
                ->max_output,
            9);
  EXPECT_EQ(read(LlmEndpoint::kChatCompletions, R"({"model":"m"})")->max_output, std::nullopt);
  EXPECT_EQ(read(LlmEndpoint::kEmbeddings, R"({"model":"m","input":"hi"})")->max_output, 0);
  EXPECT_TRUE(
      read(LlmEndpoint::kMessages, R"({"model":"m","max_tokens":5,"stream":true})")->stream);
}

TEST(LlmCall, MalformedCallsAreInvalidRequests) {
  for (const std::string text :
       {R"([])", R"({"max_tokens":5})", R"({"model":""})", R"({"model":3})",
        R"({"model":"m","stream":"yes"})", R"({"model":"m","max_tokens":0})",
        R"({"model":"m","max_tokens":-1})", R"({"model":"m","max_tokens":1.5})"}) {
    const auto call = ReadLlmCall(LlmEndpoint::kChatCompletions, Json::parse(text), text.size());
    ASSERT_FALSE(call.ok()) << text;
    EXPECT_EQ(call.status().reason(), "invalid_request") << text;
  }
  const std::string stream = R"({"model":"m","input":"x","stream":true})";
  EXPECT_FALSE(ReadLlmCall(LlmEndpoint::kEmbeddings, Json::parse(stream), stream.size()).ok());
}

TEST(LlmCall, OpenAiChatStreamsAreAskedForUsage) {
  Json body = Json::parse(R"({"model":"m","stream":true})");
  EXPECT_TRUE(AskForStreamUsage(LlmEndpoint::kChatCompletions, body));
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_FALSE(AskForStreamUsage(LlmEndpoint::kChatCompletions, body));  // already asked
  Json kept = Json::parse(R"({"model":"m","stream_options":{"include_obfuscation":false}})");
  EXPECT_TRUE(AskForStreamUsage(LlmEndpoint::kChatCompletions, kept));
  EXPECT_EQ(kept["stream_options"]["include_obfuscation"], false);
  Json responses = Json::parse(R"({"model":"m","stream":true})");
  EXPECT_FALSE(AskForStreamUsage(LlmEndpoint::kResponses, responses));
}

TEST(LlmCall, UsageOfAnswersIsNormalisedPerApi) {
  EXPECT_EQ(UsageOfAnswer(LlmEndpoint::kChatCompletions,
                          Json::parse(R"({"usage":{"prompt_tokens":100,"completion_tokens":50,
                              "prompt_tokens_details":{"cached_tokens":30}}})")),
            (TokenUsage{.input = 70, .cached_input = 30, .output = 50}));
  EXPECT_EQ(UsageOfAnswer(LlmEndpoint::kEmbeddings,
                          Json::parse(R"({"usage":{"prompt_tokens":8,"total_tokens":8}})")),
            (TokenUsage{.input = 8}));
  EXPECT_EQ(UsageOfAnswer(LlmEndpoint::kResponses,
                          Json::parse(R"({"usage":{"input_tokens":40,"output_tokens":12,
                              "input_tokens_details":{"cached_tokens":10}}})")),
            (TokenUsage{.input = 30, .cached_input = 10, .output = 12}));
  EXPECT_EQ(UsageOfAnswer(LlmEndpoint::kMessages,
                          Json::parse(R"({"usage":{"input_tokens":20,"output_tokens":9,
                              "cache_creation_input_tokens":5,"cache_read_input_tokens":100}})")),
            (TokenUsage{.input = 25, .cached_input = 100, .output = 9}));
  EXPECT_EQ(UsageOfAnswer(LlmEndpoint::kChatCompletions, Json::parse(R"({"id":"x"})")),
            std::nullopt);
  // A cached count above the prompt (a confused provider) never makes input negative.
  EXPECT_EQ(UsageOfAnswer(LlmEndpoint::kChatCompletions,
                          Json::parse(R"({"usage":{"prompt_tokens":5,"completion_tokens":1,
                              "prompt_tokens_details":{"cached_tokens":9}}})")),
            (TokenUsage{.input = 0, .cached_input = 5, .output = 1}));
}

// Feeds `text` one byte at a time: usage must not depend on how it is cut.
void FeedBytewise(LlmStreamMeter& m, std::string_view text) {
  for (char c : text) m.Feed(std::string_view(&c, 1));
}

TEST(LlmCall, AnOpenAiStreamsUsageIsItsFinalChunk) {
  const std::string stream =
      "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
      "data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,"
      "\"completion_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":1}}}\r\n\r\n"
      "data: [DONE]\n\n";
  LlmStreamMeter whole(LlmEndpoint::kChatCompletions);
  whole.Feed(stream);
  LlmStreamMeter bytewise(LlmEndpoint::kChatCompletions);
  FeedBytewise(bytewise, stream);
  for (const LlmStreamMeter* m : {&whole, &bytewise}) {
    EXPECT_TRUE(m->final_usage());
    EXPECT_EQ(m->usage(), (TokenUsage{.input = 10, .cached_input = 1, .output = 3}));
    EXPECT_EQ(m->answer_id(), "chatcmpl-1");
  }
  LlmStreamMeter cut(LlmEndpoint::kChatCompletions);
  cut.Feed(stream.substr(0, stream.find("data: {\"id\":\"chatcmpl-1\",\"choices\":[],")));
  EXPECT_FALSE(cut.final_usage());
  EXPECT_EQ(cut.usage(), std::nullopt);
}

TEST(LlmCall, AnAnthropicStreamReportsInputFirstAndOutputAtTheEnd) {
  const std::string start =
      "event: message_start\n"
      "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":"
      "{\"input_tokens\":25,\"cache_read_input_tokens\":4,\"output_tokens\":1}}}\n\n"
      "event: content_block_delta\n"
      "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}"
      "\n\n";
  const std::string end =
      "event: message_delta\n"
      "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
      "\"usage\":{\"output_tokens\":15}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  LlmStreamMeter m(LlmEndpoint::kMessages);
  FeedBytewise(m, start);
  EXPECT_FALSE(m.final_usage());
  EXPECT_EQ(m.usage(), (TokenUsage{.input = 25, .cached_input = 4, .output = 0}));
  EXPECT_EQ(m.answer_id(), "msg_1");
  m.Feed(end);
  EXPECT_TRUE(m.final_usage());
  EXPECT_EQ(m.usage(), (TokenUsage{.input = 25, .cached_input = 4, .output = 15}));
}

TEST(LlmCall, AResponsesStreamsUsageIsInResponseCompleted) {
  const std::string stream =
      "event: response.created\n"
      "data: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"usage\":null}}\n\n"
      "event: response.completed\n"
      "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"usage\":"
      "{\"input_tokens\":9,\"output_tokens\":4,\"input_tokens_details\":{\"cached_tokens\":0}}}}"
      "\n\n";
  LlmStreamMeter m(LlmEndpoint::kResponses);
  m.Feed(stream);
  EXPECT_TRUE(m.final_usage());
  EXPECT_EQ(m.usage(), (TokenUsage{.input = 9, .output = 4}));
  EXPECT_EQ(m.answer_id(), "resp_1");
}

TEST(LlmCall, AHugeLineIsPassedOverWithoutBreakingTheMeter) {
  LlmStreamMeter m(LlmEndpoint::kChatCompletions);
  m.Feed("data: {\"choices\":[{\"delta\":{\"content\":\"" + std::string(400 * 1024, 'x') +
         "\"}}]}\n\n");
  m.Feed("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1}}\n\n");
  EXPECT_EQ(m.usage(), (TokenUsage{.input = 2, .output = 1}));
}

}  // namespace
}  // namespace stub
