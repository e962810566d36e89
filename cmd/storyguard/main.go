// Command storyguard checks consent and pseudonyms, scrubs media, publishes a
// Hugo site of survivor-leader stories to S3-compatible object storage, and
// takes a story down everywhere when its storyteller withdraws consent.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(mainExit())
}

// mainExit runs storyguard with the process's arguments and streams and
// returns its exit code; testscript calls it as the "storyguard" command.
func mainExit() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer startCPUProfile(os.Getenv)()
	return exitCode(run(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
}
