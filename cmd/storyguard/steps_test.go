package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStepLinesThroughAPipe runs publish --dry-run --timings of the shipped
// site and demo vault with its stdout and stderr an os.Pipe, as when piped
// into a log, and holds the run at the start of its build step until the
// test has read, from the pipe, the check step's line and its timing line.
// Output written only at the end (buffered) never arrives while the run
// waits, and the test fails. A log gets no progress bar.
func TestStepLinesThroughAPipe(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"config.toml", "content", "themes", "static", "examples/vault"} {
		if err := copyPath(filepath.Join("..", "..", d), filepath.Join(dir, d)); err != nil {
			t.Fatal(err)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	release := make(chan struct{})
	held := make(chan struct{})
	testStepHook = func(step string) {
		if step == "build" {
			close(held)
			<-release
		}
	}
	defer func() { testStepHook = nil }()
	vault := filepath.Join(dir, "examples", "vault")
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"publish", "--dry-run", "--timings", "--root", dir,
			"--vault", vault, "--identity-file", filepath.Join(vault, "demo-identity.txt")}, w, w)
		w.Close()
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var before []string
	timeout := time.After(90 * time.Second)
	for !(hasPrefix(before, "check: ") && hasPrefix(before, "timing: check ")) {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the output ended before the check step's lines; got %q", before)
			}
			before = append(before, l)
		case err := <-done:
			t.Fatalf("the run ended (%v) before its check step's lines came through the pipe; got %q", err, before)
		case <-timeout:
			t.Fatalf("no check step line and timing through the pipe after 90 s while the run waits at build; got %q", before)
		}
	}
	select {
	case <-held:
	case err := <-done:
		t.Fatalf("the run ended (%v) without reaching its build step", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("publish --dry-run: %v", err)
	}
	all := before
	for l := range lines {
		all = append(all, l)
	}
	for _, want := range []string{"build: ", "timing: build ", "timing: total "} {
		if !hasPrefix(all, want) {
			t.Errorf("no line starting %q in %q", want, all)
		}
	}
	for _, l := range all {
		if strings.Contains(l, "\r") {
			t.Errorf("a progress bar in the log: %q", l)
		}
	}
}

func hasPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}
