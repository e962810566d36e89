package check

// Test hooks for the folding of the location rule.
var (
	FoldTokenForTest = func(s string) string { return foldToken([]byte(s)) }
	FoldWordsForTest = foldWords
)
