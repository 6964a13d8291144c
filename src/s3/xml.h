// XML in and out for the S3 endpoint, over libxml2: documents are written
// with its text writer (escaping is libxml2's, never string concatenation)
// and read with its parser with the network and entity expansion off.
// Thread-safety: an XmlWriter is used by one thread; ParseXml is reentrant.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace walfs {

// S3's namespace on every answer's root element.
inline constexpr std::string_view kS3XmlNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";

class XmlWriter {
 public:
  // Starts the document with its root element (and xmlns, if given).
  explicit XmlWriter(std::string_view root, std::string_view xmlns = kS3XmlNamespace);
  ~XmlWriter();
  XmlWriter(const XmlWriter&) = delete;
  XmlWriter& operator=(const XmlWriter&) = delete;

  void Open(std::string_view name);
  void Close();
  // Text inside the element open now, escaped.
  void Text(std::string_view text);
  // <name>text</name>, text escaped.
  void Element(std::string_view name, std::string_view text);
  // Closes every open element and returns the document.
  std::string Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A parsed element: its name (without namespace prefix), its text (the
// concatenated text of its direct children) and its child elements.
struct XmlElement {
  std::string name;
  std::string text;
  std::vector<XmlElement> children;
  // The first child with this name, or null.
  const XmlElement* Child(std::string_view n) const;
};

// Parses a document of at most max_bytes; nullopt if it is not well-formed
// XML (or is larger, or nests deeper than 32 levels).
std::optional<XmlElement> ParseXml(std::string_view doc, size_t max_bytes = 1 << 20);

}  // namespace walfs
