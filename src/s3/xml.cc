#include "s3/xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include <stdexcept>

namespace walfs {
namespace {

const xmlChar* X(const std::string& s) { return reinterpret_cast<const xmlChar*>(s.c_str()); }

constexpr int kDepthMax = 32;

bool Convert(xmlNode* n, int depth, XmlElement* out) {
  if (depth > kDepthMax) return false;
  out->name = reinterpret_cast<const char*>(n->name);
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      out->children.emplace_back();
      if (!Convert(c, depth + 1, &out->children.back())) return false;
    } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
               c->content != nullptr) {
      out->text += reinterpret_cast<const char*>(c->content);
    }
  }
  return true;
}

}  // namespace

struct XmlWriter::Impl {
  xmlBufferPtr buf = nullptr;
  xmlTextWriterPtr w = nullptr;
};

XmlWriter::XmlWriter(std::string_view root, std::string_view xmlns) : impl_(new Impl) {
  impl_->buf = xmlBufferCreate();
  if (impl_->buf == nullptr) throw std::bad_alloc();
  impl_->w = xmlNewTextWriterMemory(impl_->buf, 0);
  if (impl_->w == nullptr) {
    xmlBufferFree(impl_->buf);
    throw std::bad_alloc();
  }
  xmlTextWriterStartDocument(impl_->w, nullptr, "UTF-8", nullptr);
  Open(root);
  if (!xmlns.empty()) {
    xmlTextWriterWriteAttribute(impl_->w, BAD_CAST "xmlns", X(std::string(xmlns)));
  }
}

XmlWriter::~XmlWriter() {
  if (impl_->w != nullptr) xmlFreeTextWriter(impl_->w);
  xmlBufferFree(impl_->buf);
}

void XmlWriter::Open(std::string_view name) {
  xmlTextWriterStartElement(impl_->w, X(std::string(name)));
}

void XmlWriter::Close() { xmlTextWriterEndElement(impl_->w); }

void XmlWriter::Text(std::string_view text) {
  xmlTextWriterWriteString(impl_->w, X(std::string(text)));
}

void XmlWriter::Element(std::string_view name, std::string_view text) {
  xmlTextWriterWriteElement(impl_->w, X(std::string(name)), X(std::string(text)));
}

std::string XmlWriter::Finish() {
  xmlTextWriterEndDocument(impl_->w);  // closes every open element
  xmlFreeTextWriter(impl_->w);         // flushes into the buffer
  impl_->w = nullptr;
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(impl_->buf)),
                     static_cast<size_t>(xmlBufferLength(impl_->buf)));
}

const XmlElement* XmlElement::Child(std::string_view n) const {
  for (const auto& c : children) {
    if (c.name == n) return &c;
  }
  return nullptr;
}

std::optional<XmlElement> ParseXml(std::string_view doc, size_t max_bytes) {
  if (doc.size() > max_bytes || doc.empty()) return std::nullopt;
  // No network, no entity expansion beyond the predefined ones, no DTD
  // loading, no error output to stderr.
  int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  xmlDocPtr d =
      xmlReadMemory(doc.data(), static_cast<int>(doc.size()), "request.xml", nullptr, options);
  if (d == nullptr) return std::nullopt;
  std::optional<XmlElement> out;
  xmlNode* root = xmlDocGetRootElement(d);
  if (root != nullptr) {
    XmlElement e;
    if (Convert(root, 0, &e)) out = std::move(e);
  }
  xmlFreeDoc(d);
  return out;
}

}  // namespace walfs
