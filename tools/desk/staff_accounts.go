package desk

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"storyguard/tools/vault"
)

// Account form rules.
var (
	// loginRe: a sign-in name chosen with her, not her name: 2 to 32
	// lowercase letters, digits, dots, hyphens or underscores, starting
	// with a letter or digit.
	loginRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)
	// personRe: a registry person id (tools/vault PersonIDPattern).
	personRe = vault.PersonIDPattern
	// accountRe: the shape of an account id of either store.
	accountRe = regexp.MustCompile(`^(a|acct)-[a-z0-9-]{2,40}$`)
)

// accountsData is the accounts page's data.
type accountsData struct {
	Accounts   []Account
	Roles      []Role
	StaffRoles []Role // what a staff account's role may be changed to
	Me         string // the signed-in admin's account id
	// Form keeps what passed validation after a refused form.
	Login, Role, Person string
	// Code is the new enrolment code, in its display form, shown on this
	// one response only; For is the account it opens.
	Code string
	For  *Account
}

func (s *Server) accountsView(r *http.Request, q *req, d accountsData) (*view, error) {
	ss, err := s.staffStore()
	if err != nil {
		return nil, err
	}
	all, err := ss.Accounts(r.Context())
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b Account) int { return strings.Compare(a.Login, b.Login) })
	d.Accounts, d.Roles, d.StaffRoles, d.Me = all, Roles, staffRoles, q.acct.ID
	return &view{Lang: q.lang, Account: q.acct, Notice: notice(r), Data: d}, nil
}

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request, q *req) {
	v, err := s.accountsView(r, q, accountsData{Role: string(Storyteller)})
	if err != nil {
		s.failed(w, r, q, "accounts", err)
		return
	}
	s.render(w, r, http.StatusOK, "staff_accounts", v)
}

// newAccountID returns "a-" and 16 random symbols (the MemoryStore keeps
// it; tools/stories makes its own).
func newAccountID() string { return randomID("a-", 16) }

// createAccount creates an account and shows its enrolment code on this
// response only: it is neither logged nor kept (the store keeps its
// hash), and the page is no-store like every desk page. A refused field is
// named in the page's language and its value is not shown again.
func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, q *req) {
	d := accountsData{}
	errs := map[string]string{}
	if !parseForm(w, r, maxFormBytes) {
		errs["login"] = "field_too_long"
	}
	login := strings.ToLower(strings.TrimSpace(r.PostForm.Get("login")))
	role := Role(r.PostForm.Get("role"))
	person := strings.TrimSpace(r.PostForm.Get("person"))
	ss, err := s.staffStore()
	if err != nil {
		s.failed(w, r, q, "accounts", err)
		return
	}
	switch {
	case login == "":
		errs["login"] = "field_required"
	case !loginRe.MatchString(login):
		errs["login"] = "account_login_format"
	default:
		_, err := s.cfg.Store.AccountByLogin(r.Context(), login)
		switch {
		case err == nil:
			errs["login"] = "account_login_taken"
		case !errors.Is(err, ErrNotFound):
			s.failed(w, r, q, "accounts", err)
			return
		default:
			d.Login = login
		}
	}
	if !slices.Contains(Roles, role) {
		errs["role"] = "field_bad_choice"
	} else {
		d.Role = string(role)
	}
	switch {
	case role == Storyteller && person == "":
		errs["person"] = "field_required"
	case role == Storyteller && !personRe.MatchString(person):
		errs["person"] = "account_person_format"
	case role != Storyteller && person != "":
		errs["person"] = "account_person_staff"
	default:
		d.Person = person
	}
	if len(errs) > 0 {
		s.logf("account: creation refused (%d fields)", len(errs))
		v, err := s.accountsView(r, q, d)
		if err != nil {
			s.failed(w, r, q, "accounts", err)
			return
		}
		v.Errors = errs
		s.render(w, r, http.StatusUnprocessableEntity, "staff_accounts", v)
		return
	}
	a := Account{ID: newAccountID(), Login: login, Role: role, Person: person}
	if a.ID, err = ss.AddAccount(r.Context(), a); err != nil {
		s.failed(w, r, q, "accounts", err)
		return
	}
	code, canon, err := newCodePair()
	if err == nil {
		err = ss.AddCode(r.Context(), a.ID, canon, s.now().Add(CodeLifetime))
	}
	if err != nil {
		s.failed(w, r, q, "accounts", err)
		return
	}
	s.logf("account %s (%s): created by %s", a.ID, a.Role, q.acct.ID)
	s.showCode(w, r, q, a, code, "account_created")
}

func newCodePair() (display, canon string, err error) {
	if display, err = NewCode(); err != nil {
		return "", "", err
	}
	canon, err = ParseCode(display)
	return display, canon, err
}

// showCode renders the accounts page with code for a, once.
func (s *Server) showCode(w http.ResponseWriter, r *http.Request, q *req, a Account, code, notice string) {
	v, err := s.accountsView(r, q, accountsData{Role: string(Storyteller), Code: code, For: &a})
	if err != nil {
		s.failed(w, r, q, "accounts", err)
		return
	}
	v.Notice = notice
	s.render(w, r, http.StatusOK, "staff_accounts", v)
}

// resetAccount gives an account a new enrolment code for a lost phrase or
// phone: every sign-in method, unused code and session of the account is
// revoked first (in one transaction in tools/stories), then the code is
// shown once. The form must confirm it.
func (s *Server) resetAccount(w http.ResponseWriter, r *http.Request, q *req) {
	a, ok := s.accountArg(w, r, q)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "1" {
		v, err := s.accountsView(r, q, accountsData{Role: string(Storyteller)})
		if err != nil {
			s.failed(w, r, q, "accounts", err)
			return
		}
		v.Errors = map[string]string{"confirm-" + a.ID: "account_reset_confirm_needed"}
		s.render(w, r, http.StatusUnprocessableEntity, "staff_accounts", v)
		return
	}
	ss, err := s.staffStore()
	if err != nil {
		s.failed(w, r, q, "accounts", err)
		return
	}
	code, canon, err := newCodePair()
	if err == nil {
		err = ss.ResetAccess(r.Context(), a.ID, canon, s.now().Add(CodeLifetime))
	}
	if err != nil {
		s.failed(w, r, q, "accounts", err)
		return
	}
	if err := s.endSessions(r, a.ID); err != nil {
		s.failed(w, r, q, "accounts", err)
		return
	}
	s.logf("account %s: access reset by %s", a.ID, q.acct.ID)
	s.showCode(w, r, q, a, code, "account_reset_done")
}

// staffRoles are the roles a staff account may be given.
var staffRoles = []Role{Editor, Publisher, Admin}

// setRole gives a staff account another staff role; it takes effect on
// that account's next request (the desk reads the account on each). An
// admin cannot change her own role (so the desk never loses its last
// admin by a slip), nor a storyteller's.
func (s *Server) setRole(w http.ResponseWriter, r *http.Request, q *req) {
	a, ok := s.accountArg(w, r, q)
	if !ok {
		return
	}
	if a.Role == Storyteller {
		s.notFound(w, r, q)
		return
	}
	role := Role(r.PostForm.Get("role"))
	key := ""
	switch {
	case !slices.Contains(staffRoles, role):
		key = "field_bad_choice"
	case a.ID == q.acct.ID:
		key = "account_role_self"
	}
	if key != "" {
		v, err := s.accountsView(r, q, accountsData{Role: string(Storyteller)})
		if err != nil {
			s.failed(w, r, q, "accounts", err)
			return
		}
		v.Errors = map[string]string{"role-" + a.ID: key}
		s.render(w, r, http.StatusUnprocessableEntity, "staff_accounts", v)
		return
	}
	ss, err := s.staffStore()
	if err == nil {
		err = ss.SetRole(r.Context(), a.ID, role)
	}
	if err != nil {
		s.failed(w, r, q, "accounts", err)
		return
	}
	s.logf("account %s: role %s set by %s", a.ID, role, q.acct.ID)
	http.Redirect(w, r, "/staff/accounts?n=role", http.StatusSeeOther)
}

// accountArg parses the form and loads the account of the route's {acct};
// it answers 404 (or 500) itself and returns false when there is none.
func (s *Server) accountArg(w http.ResponseWriter, r *http.Request, q *req) (Account, bool) {
	id := r.PathValue("acct")
	if !accountRe.MatchString(id) || !parseForm(w, r, maxFormBytes) {
		s.notFound(w, r, q)
		return Account{}, false
	}
	a, err := s.cfg.Store.Account(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		s.notFound(w, r, q)
		return Account{}, false
	}
	if err != nil {
		s.failed(w, r, q, "accounts", err)
		return Account{}, false
	}
	return a, true
}
