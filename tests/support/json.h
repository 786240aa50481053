#pragma once
// Reading JSON answers in tests: parse into google.protobuf.Value and walk
// it with a path ("user.id", "items.0.number").
#include <string>

#include <google/protobuf/struct.pb.h>

namespace sb::testing {

class Json {
 public:
  static Json Parse(const std::string& text);  // a null Json on invalid input
  bool valid() const { return valid_; }
  // The value at a dotted path; a null Json when absent.
  Json operator[](const std::string& path) const;
  std::string str() const;      // string value, or "" (numbers printed)
  double num() const;
  bool boolean() const;
  int size() const;             // array length or object size
  bool is_null() const;
  bool has(const std::string& path) const;
  const google::protobuf::Value& value() const { return value_; }

 private:
  google::protobuf::Value value_;
  bool valid_ = false;
};

}  // namespace sb::testing
