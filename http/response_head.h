#pragma once
// A response's status line and header fields as they go on the wire, written into a buffer the
// caller keeps and reuses. The same bytes Beast's serializer writes (start line, the fields in
// their order, the empty line), without its buffer sequences: the head is then sent with the
// body in one gathered write.

#include <string>

#include "http/http_types.h"

namespace cm::http {

// Replaces `out` with the head of `res` (its capacity is kept).
void SerializeHead(const Response& res, std::string& out);

}  // namespace cm::http
