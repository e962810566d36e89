package check_test

import (
	"testing"

	"storyguard/tools/check"
	"storyguard/tools/content"
	"storyguard/tools/diag"
	"storyguard/tools/testgen/corpus"
)

// BenchmarkCheck measures storyguard check's work (load every page, run
// every rule) on a generated corpus of 1,000 stories in two languages.
// bench/check.sh compares the full command with hugo build on 10,000.
func BenchmarkCheck(b *testing.B) {
	dir := b.TempDir()
	if err := corpus.Generate(dir, 1000, 1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		site, err := content.LoadSite(dir)
		if err != nil {
			b.Fatal(err)
		}
		if ds := check.Run(site, check.Options{Now: corpus.Today}).Diagnostics; diag.HasErrors(ds) {
			b.Fatal(ds[0])
		}
	}
}
