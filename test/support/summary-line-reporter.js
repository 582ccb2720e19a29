// Ends every jest run with one plain line, "N passed, N failed, N skipped", that any CI log reader understands.
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped\n`);
  }
}
module.exports = SummaryLineReporter;
