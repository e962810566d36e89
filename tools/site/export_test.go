package site

// StageForTest is stage for the external tests: the repository's site in a
// build folder, with fixture media.
var StageForTest = stage
