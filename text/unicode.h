// The Unicode facts the BERT tokenizer needs, answered by utf8proc (its Unicode 15 tables); nothing
// else in ponet.cpp includes utf8proc.h. Code points are char32_t; strings are UTF-8 std::string.
#pragma once
#include <string>

namespace ponet::text::unicode {

// Decodes UTF-8. Every byte that does not start a valid sequence (stray continuation, truncated or
// overlong sequence, surrogate, > U+10FFFF) becomes one U+FFFD, as Python's errors="replace" would
// turn it into a replacement character; the next byte is read afresh.
std::u32string decode_utf8(const std::string& text);
std::string encode_utf8(const std::u32string& text);
void append_utf8(std::string& out, char32_t c);

// General categories (https://www.unicode.org/reports/tr44/#General_Category_Values).
bool is_other_control_format_private(char32_t c);  // Cc, Cf or Co
bool is_punctuation(char32_t c);                   // Pc Pd Ps Pe Pi Pf Po
bool is_nonspacing_mark(char32_t c);               // Mn
// The White_Space property: U+0009..U+000D, U+0085 and the Zs, Zl, Zp categories.
bool is_white_space(char32_t c);

// Canonical decomposition (NFD) of a whole string, with canonical reordering of combining marks.
std::u32string nfd(const std::u32string& text);
// The simple (one code point) lowercase mapping of UnicodeData.txt.
char32_t simple_lowercase(char32_t c);

}  // namespace ponet::text::unicode
