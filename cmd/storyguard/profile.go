package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of the whole run to the file named
// by STORYGUARD_CPUPROFILE, if set (bench/site.sh --profile; read it with
// go tool pprof), and returns the function that stops it. A profile holds
// function names and sample counts only, no content. The file must not
// exist yet (O_EXCL): so the embedded gateway child, which inherits the
// environment, cannot overwrite its parent's profile. Failing to create
// the file is reported on stderr and the run goes on without a profile.
func startCPUProfile(getenv func(string) string) (stop func()) {
	path := getenv("STORYGUARD_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "storyguard: warning: STORYGUARD_CPUPROFILE: %v; no profile written\n", err)
		if f != nil {
			f.Close()
		}
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
