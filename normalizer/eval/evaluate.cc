// Prints the normalizers' accuracy on the evaluation set, per language and
// per kind (normalizer/eval/form_evaluation.h):
//
//   bazel run //normalizer/eval:evaluate -- [--misses] FILE...
//   ./dev eval-normalizer [--misses]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "normalizer/eval/form_evaluation.h"

namespace {

void PrintTally(const std::string& name,
                const factstore::normalizer::Tally& tally) {
  std::printf("  %-14s %4d forms  %4d exact  %5.1f%%\n", name.c_str(),
              tally.forms, tally.exact, 100.0 * tally.accuracy());
}

}  // namespace

int main(int argc, char** argv) {
  bool misses = false;
  std::vector<factstore::normalizer::Form> forms;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--misses") {
      misses = true;
      continue;
    }
    std::ifstream in(arg);
    if (!in) {
      std::cerr << "evaluate: cannot read " << arg << "\n";
      return 2;
    }
    std::stringstream content;
    content << in.rdbuf();
    std::string file = arg.substr(arg.find_last_of('/') + 1);
    auto parsed = factstore::normalizer::ParseForms(content.str(), file);
    if (!parsed.ok()) {
      std::cerr << "evaluate: " << parsed.status().message() << "\n";
      return 2;
    }
    forms.insert(forms.end(), parsed->begin(), parsed->end());
  }
  if (forms.empty()) {
    std::cerr << "usage: evaluate [--misses] FILE...\n";
    return 2;
  }
  factstore::normalizer::Evaluation evaluation =
      factstore::normalizer::Evaluate(forms);
  if (misses) {
    for (const std::string& miss : evaluation.misses) {
      std::cout << miss << "\n";
    }
    std::cout << "\n";
  }
  std::printf("By language:\n");
  for (const auto& [language, tally] : evaluation.by_language) {
    PrintTally(language, tally);
  }
  std::printf("By kind:\n");
  for (const auto& [kind, tally] : evaluation.by_kind) PrintTally(kind, tally);
  std::printf("All:\n");
  PrintTally("all", evaluation.all);
  return 0;
}
