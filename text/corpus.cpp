#include "text/corpus.h"

#include <cctype>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "io/atomic_file.h"

namespace ponet::text {

size_t Corpus::num_sentences() const {
  size_t n = 0;
  for (auto& d : documents) n += d.size();
  return n;
}

Corpus parse_corpus(const std::string& text, const std::string& name) {
  Corpus c;
  std::vector<std::string> doc;
  std::istringstream in(text);
  std::string line;
  auto end_document = [&] {
    if (!doc.empty()) c.documents.push_back(std::move(doc));
    doc.clear();
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    bool blank = true;
    for (unsigned char ch : line) blank = blank && std::isspace(ch);
    if (blank) end_document();
    else doc.push_back(line);
  }
  end_document();
  PONET_CHECK(!c.documents.empty(), name, ": the corpus has no sentences");
  PONET_CHECK(c.documents.size() >= 2, name, ": the corpus has only one document; sentence-structure training needs "
              "at least 2 (separate documents with a blank line)");
  return c;
}

Corpus read_corpus(const std::string& path) { return parse_corpus(io::read_file(path), path); }

std::string kjv_to_corpus_text(const std::string& bible_output) {
  std::ostringstream out;
  std::istringstream in(bible_output);
  std::string line, chapter;
  while (std::getline(in, line)) {
    // "Ge1:1 text": the reference is the first word; the chapter is everything before ':'
    const size_t space = line.find(' '), colon = line.find(':');
    if (space == std::string::npos || colon == std::string::npos || colon > space) {
      PONET_CHECK(line.find_first_not_of(" \t\r") == std::string::npos, "bible output: unexpected line '", line, "'");
      continue;
    }
    const std::string this_chapter = line.substr(0, colon);
    if (!chapter.empty() && this_chapter != chapter) out << '\n';  // blank line: next document
    chapter = this_chapter;
    out << line.substr(space + 1) << '\n';
  }
  return out.str();
}

void write_kjv_corpus(const std::string& path) {
  FILE* pipe = ::popen("bible -f \"Gen1:1-Rev22:21\" 2>/dev/null", "r");
  PONET_CHECK(pipe != nullptr, "cannot run `bible`");
  std::string output;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  const int status = ::pclose(pipe);
  PONET_CHECK(status == 0 && !output.empty(),
              "the default corpus needs the King James Bible from Debian's bible-kjv package (the `bible` "
              "program); run scripts/setup.sh or pass --corpus FILE");
  io::write_file_atomically(path, kjv_to_corpus_text(output));
}

}  // namespace ponet::text
