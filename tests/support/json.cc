#include "tests/support/json.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sb::testing {

Json Json::Parse(const std::string& text) {
  Json j;
  j.valid_ = google::protobuf::util::JsonStringToMessage(text, &j.value_).ok();
  return j;
}

Json Json::operator[](const std::string& path) const {
  Json out;
  const google::protobuf::Value* v = &value_;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    int index = 0;
    if (v->has_struct_value()) {
      auto it = v->struct_value().fields().find(std::string(part));
      if (it == v->struct_value().fields().end()) return out;
      v = &it->second;
    } else if (v->has_list_value() && absl::SimpleAtoi(part, &index) && index >= 0 &&
               index < v->list_value().values_size()) {
      v = &v->list_value().values(index);
    } else {
      return out;
    }
  }
  out.value_ = *v;
  out.valid_ = true;
  return out;
}

std::string Json::str() const {
  if (value_.has_string_value()) return value_.string_value();
  if (value_.kind_case() == google::protobuf::Value::kNumberValue) return absl::StrCat(value_.number_value());
  if (value_.kind_case() == google::protobuf::Value::kBoolValue) return value_.bool_value() ? "true" : "false";
  return "";
}
double Json::num() const { return value_.number_value(); }
bool Json::boolean() const { return value_.bool_value(); }
int Json::size() const {
  if (value_.has_list_value()) return value_.list_value().values_size();
  if (value_.has_struct_value()) return value_.struct_value().fields_size();
  return 0;
}
bool Json::is_null() const { return !valid_ || value_.kind_case() == google::protobuf::Value::kNullValue; }
bool Json::has(const std::string& path) const { return (*this)[path].valid(); }

}  // namespace sb::testing
