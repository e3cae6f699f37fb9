// The x402 signers (server/signer_registry.h, server/http_signer.h): keys
// from files and the environment, and an external signer over real HTTP on
// loopback, whose every signature Stub checks before trusting it.
#include "server/signer_registry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/sha256.h"
#include "server/http_server.h"
#include "server/http_signer.h"
#include "server/upstream_client.h"
#include "x402/local_signer.h"

namespace stub {
namespace {

constexpr std::string_view kKey =
    "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
constexpr std::string_view kAddress = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
constexpr std::string_view kOtherKey =
    "0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f";

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stub-signer-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, std::string_view text, ::mode_t mode) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << text << "\n";
    ::chmod(file.c_str(), mode);
    return file;
  }

 private:
  std::string path_;
};

x402::SignRequest SomeDigest() {
  x402::SignRequest r;
  for (std::size_t i = 0; i < r.digest.size(); ++i) r.digest[i] = static_cast<std::uint8_t>(7 * i);
  r.typed_data = {{"primaryType", "TransferWithAuthorization"}};
  return r;
}

TEST(SignerRegistryTest, ReadsKeyFilesThatOnlyTheirOwnerCanRead) {
  TempDir dir;
  UpstreamPool pool;
  SignerRegistry signers(pool);
  ASSERT_TRUE(signers.Register("ops=" + dir.Write("ok.key", kKey, 0600)).ok());
  auto ops = signers.Find("ops");
  ASSERT_NE(ops, nullptr);
  auto address = ops->GetAddress();
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(x402::ToChecksumHex(*address), kAddress);
  EXPECT_EQ(signers.Find("nobody"), nullptr);

  const Status open = signers.Register("loose=" + dir.Write("loose.key", kKey, 0644));
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.message().find("readable by every user"), std::string::npos) << open.message();
  const Status twice = signers.Register("ops=" + dir.Write("again.key", kKey, 0600));
  EXPECT_NE(twice.message().find("registered twice"), std::string::npos) << twice.message();
  const Status bad = signers.Register("bad=" + dir.Write("bad.key", "0x1234", 0600));
  EXPECT_NE(bad.message().find("64 hex digits"), std::string::npos) << bad.message();
  for (const char* spec : {"", "ops", "Ops=/x", "x=", "y=/does/not/exist"}) {
    const Status s = signers.Register(spec);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << spec;
    EXPECT_EQ(s.message().find(kKey.substr(2, 16)), std::string::npos);
  }
}

TEST(SignerRegistryTest, ReadsAKeyFromTheEnvironment) {
  UpstreamPool pool;
  SignerRegistry signers(pool);
  ::setenv("STUB_TEST_SIGNER_KEY", std::string(kKey).c_str(), 1);
  ASSERT_TRUE(signers.Register("env-ops=env:STUB_TEST_SIGNER_KEY").ok());
  ::unsetenv("STUB_TEST_SIGNER_KEY");
  EXPECT_EQ(x402::ToChecksumHex(*signers.Find("env-ops")->GetAddress()), kAddress);
  EXPECT_NE(signers.Register("missing=env:STUB_TEST_NO_SUCH_VAR").message().find("not set"),
            std::string::npos);
}

std::unique_ptr<x402::LocalSigner> Local(std::string_view key) {
  auto s = x402::LocalSigner::FromHex(key);
  EXPECT_TRUE(s.ok());
  return std::move(*s);
}

// An external signer on loopback: tells the address of `key`, signs with
// `signing_key` (the same key, unless a test makes it lie).
class FakeSigner {
 public:
  explicit FakeSigner(std::string_view key, std::string_view signing_key = {})
      : identity_(Local(key)), signer_(Local(signing_key.empty() ? key : signing_key)) {
    HttpServerOptions o;
    o.port = 0;
    server_ = std::make_unique<HttpServer>(o, [this](ApiRequest& r) { return Answer(r); });
    EXPECT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~FakeSigner() {
    server_->Stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  std::atomic<int> requests{0};
  std::string last_authorization;
  nlohmann::json last_body;

 private:
  ApiResponse Answer(ApiRequest& r) {
    ++requests;
    last_authorization = std::string(r.Header("authorization"));
    ApiResponse a;
    if (r.method == "GET" && r.path == "/address") {
      a.body = nlohmann::json{{"address", x402::ToChecksumHex(identity_->address())}}.dump();
      return a;
    }
    last_body = nlohmann::json::parse(r.body);
    x402::SignRequest req;
    std::string digest;
    EXPECT_TRUE(FromHex(last_body["digest"].get<std::string>().substr(2), digest));
    std::copy(digest.begin(), digest.end(), req.digest.begin());
    a.body = nlohmann::json{{"signature", x402::SignatureHex(*signer_->Sign(req))}}.dump();
    return a;
  }

  std::unique_ptr<x402::LocalSigner> identity_;
  std::unique_ptr<x402::LocalSigner> signer_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST(HttpSignerTest, SignsThroughTheExternalSignerAndChecksWhatItGets) {
  FakeSigner remote(kKey);
  UpstreamPool pool;
  SignerRegistry signers(pool);
  ::setenv("STUB_SIGNER_TOKEN_KMS_1", "token-123", 1);
  ASSERT_TRUE(signers.Register("kms-1=" + remote.url()).ok());
  ::unsetenv("STUB_SIGNER_TOKEN_KMS_1");
  auto kms = signers.Find("kms-1");
  ASSERT_NE(kms, nullptr);
  EXPECT_EQ(remote.requests.load(), 0);  // asked only when needed
  auto address = kms->GetAddress();
  ASSERT_TRUE(address.ok()) << address.status().ToString();
  EXPECT_EQ(x402::ToChecksumHex(*address), kAddress);
  const x402::SignRequest req = SomeDigest();
  auto sig = kms->Sign(req);
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_EQ(*x402::RecoverSigner(req.digest, *sig), *address);
  EXPECT_EQ(remote.requests.load(), 2);  // the address once, then the signature
  EXPECT_EQ(remote.last_authorization, "Bearer token-123");
  EXPECT_EQ(remote.last_body["address"], kAddress);
  EXPECT_EQ(remote.last_body["digest"], "0x" + ToHex(req.digest));
  EXPECT_EQ(remote.last_body["typed_data"]["primaryType"], "TransferWithAuthorization");
}

TEST(HttpSignerTest, RefusesASignatureOfAnotherKey) {
  // Tells one address and signs with another key: as a compromised or
  // misconfigured signer would. Nothing it signs is ever sent.
  FakeSigner liar(kKey, kOtherKey);
  UpstreamPool pool;
  auto signer = HttpSigner::Make("liar", liar.url(), pool);
  ASSERT_TRUE(signer.ok());
  auto address = (*signer)->GetAddress();
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(x402::ToChecksumHex(*address), kAddress);
  auto sig = (*signer)->Sign(SomeDigest());
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.status().code(), StatusCode::kInternal);
  EXPECT_NE(sig.status().message().find("not its address's"), std::string::npos);
}

TEST(HttpSignerTest, AnUnreachableSignerIsUnavailable) {
  UpstreamPool pool;
  SignerRegistry signers(pool);
  ASSERT_TRUE(signers.Register("gone=http://127.0.0.1:1").ok());
  auto address = signers.Find("gone")->GetAddress();
  ASSERT_FALSE(address.ok());
  EXPECT_EQ(address.status().code(), StatusCode::kUnavailable);
  auto sig = signers.Find("gone")->Sign(SomeDigest());
  EXPECT_EQ(sig.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace stub
