#include "app/etcd_client.h"

#include <simdjson.h>
#include <sodium.h>

#include <charconv>

#include "app/http_fetch.h"

namespace cm::app {

std::string Base64(const std::string& bytes) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

namespace {

Result<std::string> FromBase64(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return Status::Corruption("etcd: a value that is not base64");
  out.resize(length);
  return out;
}

// The gateway writes 64-bit integers as strings; a missing field is proto3's zero.
int64_t Int64Field(simdjson::dom::element object, const char* name) {
  std::string_view text;
  int64_t number = 0;
  if (!object[name].get(text)) return std::stoll(std::string(text));
  if (!object[name].get(number)) return number;
  return 0;
}

}  // namespace

EtcdClient::EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout)
    : endpoints_(std::move(endpoints)), timeout_(timeout) {}

Result<std::string> EtcdClient::Call(const std::string& path, const std::string& body) {
  Status last = Status::InvalidArgument("etcd: no endpoints");
  for (std::size_t k = 0; k < endpoints_.size(); ++k) {
    const std::size_t i = (preferred_ + k) % endpoints_.size();
    auto reply = Fetch(endpoints_[i], boost::beast::http::verb::post, path, body, "", timeout_);
    if (!reply.ok()) {
      last = reply.status();
      continue;
    }
    if (reply.value().status != 200) {
      last = Status::IOError("etcd " + endpoints_[i] + path + " answered " +
                             std::to_string(reply.value().status) + ": " + reply.value().body);
      continue;
    }
    preferred_ = i;
    return std::move(reply.value().body);
  }
  return last;
}

Result<int64_t> EtcdClient::GrantLease(int ttl_s) {
  auto answer = Call("/v3/lease/grant", "{\"TTL\":" + std::to_string(ttl_s) + "}");
  if (!answer.ok()) return answer.status();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(answer.value()).get(doc)) return Status::Corruption("etcd: lease grant");
  const int64_t id = Int64Field(doc, "ID");
  if (id == 0) return Status::IOError("etcd granted no lease: " + answer.value());
  return id;
}

Result<int64_t> EtcdClient::KeepAlive(int64_t lease) {
  auto answer = Call("/v3/lease/keepalive", "{\"ID\":\"" + std::to_string(lease) + "\"}");
  if (!answer.ok()) return answer.status();
  simdjson::dom::parser parser;
  simdjson::dom::element doc, result;
  if (parser.parse(answer.value()).get(doc) || doc["result"].get(result))
    return Status::Corruption("etcd: lease keepalive: " + answer.value());
  return Int64Field(result, "TTL");
}

Status EtcdClient::RevokeLease(int64_t lease) {
  auto answer = Call("/v3/lease/revoke", "{\"ID\":\"" + std::to_string(lease) + "\"}");
  return answer.ok() ? Status::OK() : answer.status();
}

Result<bool> EtcdClient::CreateIfAbsent(const std::string& key, const std::string& value,
                                        int64_t lease) {
  return PutIf(key, value, lease,
               "\"target\":\"CREATE\",\"result\":\"EQUAL\",\"create_revision\":\"0\"");
}

Result<bool> EtcdClient::PutIfLease(const std::string& key, const std::string& value,
                                    int64_t lease) {
  return PutIf(key, value, lease,
               "\"target\":\"LEASE\",\"result\":\"EQUAL\",\"lease\":\"" +
                   std::to_string(lease) + "\"");
}

Result<bool> EtcdClient::PutIf(const std::string& key, const std::string& value, int64_t lease,
                               const std::string& compare) {
  const std::string k = Base64(key);
  const std::string body = "{\"compare\":[{\"key\":\"" + k + "\"," + compare +
                           "}],\"success\":[{\"request_put\":{\"key\":\"" + k +
                           "\",\"value\":\"" + Base64(value) + "\",\"lease\":\"" +
                           std::to_string(lease) + "\"}}]}";
  auto answer = Call("/v3/kv/txn", body);
  if (!answer.ok()) return answer.status();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(answer.value()).get(doc)) return Status::Corruption("etcd: txn");
  bool succeeded = false;
  if (doc["succeeded"].get(succeeded)) return false;  // proto3 leaves `false` out
  return succeeded;
}

Result<std::optional<EtcdClient::KeyValue>> EtcdClient::Range(const std::string& key) {
  auto answer = Call("/v3/kv/range", "{\"key\":\"" + Base64(key) + "\"}");
  if (!answer.ok()) return answer.status();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array kvs;
  if (parser.parse(answer.value()).get(doc)) return Status::Corruption("etcd: range");
  if (doc["kvs"].get(kvs) || kvs.size() == 0) return std::optional<KeyValue>();
  KeyValue kv;
  std::string_view value, lease;  // proto3 leaves empty fields out
  if (!kvs.at(0)["value"].get(value)) {
    auto decoded = FromBase64(value);
    if (!decoded.ok()) return decoded.status();
    kv.value = std::move(decoded).value();
  }
  if (!kvs.at(0)["lease"].get(lease)) {  // the gateway writes 64-bit numbers as strings
    const auto [end, ec] = std::from_chars(lease.data(), lease.data() + lease.size(), kv.lease);
    if (ec != std::errc() || end != lease.data() + lease.size())
      return Status::Corruption("etcd: a lease id that is not a number");
  }
  return std::optional<KeyValue>(std::move(kv));
}

Result<std::optional<std::string>> EtcdClient::Get(const std::string& key) {
  auto kv = Range(key);
  if (!kv.ok()) return kv.status();
  if (!kv.value()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(kv.value()->value));
}

Result<int64_t> EtcdClient::LeaseOf(const std::string& key) {
  auto kv = Range(key);
  if (!kv.ok()) return kv.status();
  return kv.value() ? kv.value()->lease : int64_t{0};
}

}  // namespace cm::app
