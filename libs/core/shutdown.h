#pragma once
// Graceful shutdown without a global reached from a signal handler: SIGINT and
// SIGTERM are blocked in every thread (BlockTerminationSignals() must run in
// main before any thread starts) and one call to WaitForTerminationSignal()
// receives them synchronously with sigwait.
namespace sb::core {

void BlockTerminationSignals();
// Blocks until SIGINT or SIGTERM arrives; returns the signal number.
int WaitForTerminationSignal();

}  // namespace sb::core
