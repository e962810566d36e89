package desk

// Role is an account's role (DESIGN.md "The desk").
type Role string

// The roles. A storyteller works on her own stories only; staff roles are
// cumulative in the order editor < publisher < admin.
const (
	Storyteller Role = "storyteller" // a survivor leader: her own stories only
	Editor      Role = "editor"      // edit, translate, attach photos
	Publisher   Role = "publisher"   // an editor who also publishes and answers withdrawals
	Admin       Role = "admin"       // a publisher who also manages accounts and the registry
)

// Roles lists every role.
var Roles = []Role{Storyteller, Editor, Publisher, Admin}

// Action is what a request wants to do. Every route of the desk names
// exactly one (see routes).
type Action string

// The actions.
const (
	ActPublic      Action = "public"       // pages for anyone: sign-in, enrolment, assets
	ActEnrolling   Action = "enrolling"    // choosing a phrase, in the enrolment session
	ActSignedIn    Action = "signed-in"    // any signed-in account: sign-out, extend
	ActListStories Action = "list-stories" // the story list: filtered per story by ActViewStory
	ActNewStory    Action = "new-story"    // start a story
	ActViewStory   Action = "view-story"   // read its text and its consent answers
	ActPreview     Action = "preview"      // see it as the public will: her private preview
	ActEditStory   Action = "edit-story"   // change its text
	ActConsent     Action = "consent"      // answer the consent questions
	ActApprove     Action = "approve"      // approve the exact text
	ActWithdraw    Action = "withdraw"     // stop sharing
	// Staff actions (issue #16).
	ActQueue       Action = "queue"        // the staff queue of every story
	ActAccounts    Action = "accounts"     // create accounts, give new codes, roles
	ActSuggest     Action = "suggest"      // propose a change to a story's text
	ActDecide      Action = "decide"       // accept or reject a suggested change
	ActAttachPhoto Action = "attach-photo" // upload a photo to a story
	ActRegistry    Action = "registry"     // add people to the identity registry
)

// Actions lists every action.
var Actions = []Action{ActPublic, ActEnrolling, ActSignedIn, ActListStories, ActNewStory,
	ActViewStory, ActPreview, ActEditStory, ActConsent, ActApprove, ActWithdraw,
	ActQueue, ActAccounts, ActSuggest, ActDecide, ActAttachPhoto, ActRegistry}

// storyActions are the actions on one story: Allowed needs the story.
var storyActions = map[Action]bool{ActViewStory: true, ActPreview: true, ActEditStory: true, ActConsent: true, ActApprove: true, ActWithdraw: true,
	ActSuggest: true, ActDecide: true, ActAttachPhoto: true}

// Allowed is the desk's one access decision (DESIGN.md "The desk"): may
// account a do act on story s? a is nil for a visitor who is not signed in;
// s is nil for an action that concerns no story, and must be non-nil for
// the story actions (view, edit, consent, approve, withdraw), else the
// answer is no.
//
//   - Anyone may use ActPublic.
//   - ActEnrolling is for an account in the middle of enrolment only (one
//     that has no sign-in method yet); Allowed is not asked for it with a
//     signed-in account.
//   - A storyteller may list and start stories, and do every story action
//     on a story whose Storyteller is her account id; nothing on another's
//     (the handlers answer 404, so she cannot tell whether it exists).
//   - An editor may see the queue, view every story, suggest changes to
//     its text (never change it: she accepts or rejects each suggestion,
//     issue #16), read her consent answers and attach photos; a publisher
//     also withdraws;
//     an admin may do what a publisher may, and manages accounts and the
//     registry (never shown to a storyteller).
//     Editing the text itself, accepting or rejecting a suggestion, the
//     consent answers, approval and the private preview she approves
//     from are the storyteller's alone: no staff role does them for her
//     (issue #15: staff who sit with her say so by her ticking "with
//     staff" on her own form, in her session).
//
// An unknown role or action is denied.
func Allowed(a *Account, s *StoryMeta, act Action) bool {
	if act == ActPublic {
		return true
	}
	if a == nil {
		return false
	}
	if act == ActEnrolling {
		return a.Enrolling
	}
	if a.Enrolling {
		return false
	}
	if storyActions[act] && s == nil {
		return false
	}
	switch a.Role {
	case Storyteller:
		switch act {
		case ActSignedIn, ActListStories, ActNewStory:
			return true
		case ActSuggest, ActAttachPhoto:
			return false // staff work; she edits her text directly
		}
		return storyActions[act] && s.Storyteller == a.ID
	case Editor, Publisher, Admin:
		switch act {
		case ActSignedIn, ActListStories, ActViewStory, ActQueue, ActSuggest, ActAttachPhoto:
			return true
		case ActWithdraw:
			return a.Role == Publisher || a.Role == Admin
		case ActAccounts, ActRegistry:
			return a.Role == Admin
		}
		return false
	}
	return false
}
