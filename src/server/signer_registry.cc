#include "server/signer_registry.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/text_limits.h"
#include "server/http_signer.h"
#include "x402/local_signer.h"

namespace stub {
namespace {

Status BadSpec(std::string msg) { return InvalidArgument("--signer: " + std::move(msg)); }

// Reads the key file: the owner's, not readable by others, small.
Result<std::string> ReadKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return BadSpec("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return BadSpec(path + " is not a regular file");
  }
  if ((st.st_mode & S_IROTH) != 0) {
    ::close(fd);
    return BadSpec(path + " is readable by every user; chmod 600 it");
  }
  std::string text(4096, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got == text.size()) {
    OPENSSL_cleanse(text.data(), text.size());
    return BadSpec(path + " is too large to be a key");
  }
  text.resize(got);
  return text;
}

}  // namespace

SignerRegistry::SignerRegistry(UpstreamPool& pool) : pool_(pool) {}

Status SignerRegistry::Register(std::string_view spec) {
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos) return BadSpec("expected NAME=SOURCE");
  const std::string name(spec.substr(0, eq));
  const std::string source(spec.substr(eq + 1));
  if (!IsSlug(name)) return BadSpec("signer name '" + name + "' is not 1-64 of a-z, 0-9, _ and -");
  if (signers_.count(name) != 0) return BadSpec("signer '" + name + "' is registered twice");
  if (source.empty()) return BadSpec("signer '" + name + "' has no source");

  if (source.starts_with("https://") || source.starts_with("http://")) {
    STUB_ASSIGN_OR_RETURN(auto signer, HttpSigner::Make(name, source, pool_));
    signers_.emplace(name, std::move(signer));
    return Status::Ok();
  }
  std::string key;
  if (source.starts_with("env:")) {
    const std::string var = source.substr(4);
    const char* value = std::getenv(var.c_str());
    if (value == nullptr || *value == '\0') {
      return BadSpec("signer '" + name + "': the environment variable " + var + " is not set");
    }
    key = value;
  } else {
    STUB_ASSIGN_OR_RETURN(key, ReadKeyFile(source));
  }
  auto signer = x402::LocalSigner::FromHex(key);
  OPENSSL_cleanse(key.data(), key.size());
  if (!signer.ok()) return BadSpec("signer '" + name + "': " + signer.status().message());
  signers_.emplace(name, std::shared_ptr<x402::Signer>(std::move(*signer)));
  return Status::Ok();
}

void SignerRegistry::Add(std::string name, std::shared_ptr<x402::Signer> signer) {
  signers_.emplace(std::move(name), std::move(signer));
}

std::shared_ptr<x402::Signer> SignerRegistry::Find(std::string_view name) const {
  const auto it = signers_.find(name);
  return it == signers_.end() ? nullptr : it->second;
}

}  // namespace stub
