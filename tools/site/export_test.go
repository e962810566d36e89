package site

import "testing"

// StageForTest is stage for the external tests: the repository's site in a
// build folder, with fixture media.
var StageForTest = stage

// FixtureMediaKeysForTest returns the object keys ("media/...") of the
// fixture media that StageForTest's data/media.json lists.
func FixtureMediaKeysForTest(t testing.TB) map[string]bool {
	_, objs := fixtureMedia(t)
	keys := map[string]bool{}
	for k := range objs {
		keys[k] = true
	}
	return keys
}
