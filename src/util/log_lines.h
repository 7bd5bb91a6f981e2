#pragma once
// Lines of a real log as a person reads them: without ANSI colours, CRLF, leading timestamps,
// rank prefixes (`[rank3]:`, torchrun's `[default3]:`, `srun -l`'s `3: `, mpirun's
// `[1,3]<stderr>:`), progress-bar redraws (a tqdm line is what its last '\r' left on screen)
// and binary garbage (control bytes dropped, invalid UTF-8 replaced). Pure and streaming:
// memory is bounded by the longest line kept, whatever the size of the log.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dlenv::util {

struct LogLine {
  std::string_view text;    // normalised; valid UTF-8
  std::size_t number = 0;   // 1-based, counted over every line fed
  std::optional<int> rank;  // from a rank prefix, when the line had one
};

/// One raw line (no '\n') made readable; `rank` receives a rank prefix's number.
std::string NormalizeLogLine(std::string_view raw, std::optional<int>* rank = nullptr);

class LogLineReader {
 public:
  using Sink = std::function<void(const LogLine&)>;
  /// Lines longer than max_line_bytes keep their first max_line_bytes (the rest is counted
  /// in truncated_lines()): one 2 GB line with no newline costs no more than a short one.
  explicit LogLineReader(Sink sink, std::size_t max_line_bytes = 16 * 1024);

  /// Any chunking of the same bytes gives the same lines.
  void Feed(std::string_view chunk);
  /// Emits the last line if the input did not end with a newline.
  void Finish();

  std::size_t lines() const { return lines_; }
  std::size_t bytes() const { return bytes_; }
  std::size_t truncated_lines() const { return truncated_; }

 private:
  void EmitPending();

  Sink sink_;
  std::size_t max_;
  std::string pending_;  // the raw bytes of the current line since its last '\r' redraw
  bool overflow_ = false;
  bool after_cr_ = false;  // the previous byte was '\r': CRLF or a redraw, decided by the next
  bool redraw_ = false;    // a '\r' redraw began: the next text replaces the pending line
  std::size_t lines_ = 0;
  std::size_t bytes_ = 0;
  std::size_t truncated_ = 0;
  std::string normalised_;
};

/// Replaces every byte that is not part of a valid UTF-8 sequence with '?'.
std::string ValidUtf8(std::string_view text);

}  // namespace dlenv::util
