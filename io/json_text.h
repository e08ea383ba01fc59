// JSON text as a person would write the numbers: the layout of nlohmann's dump(), but every float in the
// shortest decimal that reads back as the same double (std::to_chars). nlohmann's own printer is not
// always the shortest (it writes 2.5730000000000002e-15 for the double read from "2.573e-15"). Used for
// every JSON file this project writes: config.json, run.json, results.json, log.jsonl.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace ponet::io {

// indent < 0: one line without spaces (like dump()); otherwise one value per line, indented by `indent`
// spaces per level (like dump(indent)). Non-finite floats are written as null, as nlohmann does.
std::string json_text(const nlohmann::json& value, int indent = -1);

// A float as the JSON number to store for it: the double nearest the float's shortest decimal, which
// json_text then prints as that decimal (0.1f -> 0.1). Widening the float to double directly would print
// all of its binary value (0.10000000149011612). Non-finite values pass through.
double json_float(float x);

}  // namespace ponet::io
