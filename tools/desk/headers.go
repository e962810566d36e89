package desk

import "net/http"

// deskCSP is the desk pages' Content-Security-Policy: nothing from other
// origins, no inline script or style, no framing of desk pages, forms to
// the desk only. frame-src 'self' allows the private preview's frame.
const deskCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// previewCSP is the preview's: the theme's own policy (themes/voices
// _partials/csp.html, which lets the theme load its fonts from the site)
// with framing by the desk only.
const previewCSP = "default-src 'none'; style-src 'self'; font-src 'self'; script-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

// safetyHeaders sets the headers every desk response carries (DESIGN.md
// "Safety on every page"): never stored by the browser or a proxy, so Back
// after sign-out shows nothing; no referrer; no sniffing; the CSP.
func safetyHeaders(h http.Header, csp string) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", csp)
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("X-Robots-Tag", "noindex, nofollow")
}
