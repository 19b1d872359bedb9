package terminal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"lawtrail/casework"
)

// FeedHubWeb is the type of the hub's feed item that tells terminals the
// address of its public web (body {"url": "https://…"}).
const FeedHubWeb = "hub.web"

// ErrNoWebURL: the terminal does not know its hub's web address yet (it
// learns it from the hub's feed when it syncs).
var ErrNoWebURL = errors.New("the hub's web address is not known to this terminal: sync once after the hub serves --web, or give the address")

// HubWebURL is the public web address of the hub this terminal syncs with,
// as the hub's signed feed last gave it.
func (t *Terminal) HubWebURL(ctx context.Context) (string, error) {
	body, ok, err := t.st.LatestFeedItem(ctx, FeedHubWeb)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", ErrNoWebURL
	}
	var v struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.URL == "" {
		return "", fmt.Errorf("hub feed item %s: %q: no url", FeedHubWeb, body)
	}
	return v.URL, nil
}

// CardToken signs the token the QR of officer's credential card (亮证)
// carries (casework.CardToken): the officer and their agency, vouched for
// by this terminal's key, made offline.
func (d *Desk) CardToken(ctx context.Context, officer string) (string, error) {
	o, err := d.officer(ctx, officer)
	if err != nil {
		return "", err
	}
	tok, err := casework.CardToken{Terminal: d.Info.ID, Agency: o.Agency, Officer: o.ID}.Encode(d.key.Sign)
	if err != nil {
		return "", fmt.Errorf("card of %s: %w", officer, err)
	}
	return tok, nil
}

// CardURL is the address the card's QR code shows: base (the hub's web
// address; "" for the one the hub's feed gave) + "/c/" + the token.
func (d *Desk) CardURL(ctx context.Context, officer, base string) (string, error) {
	if base == "" {
		var err error
		if base, err = d.HubWebURL(ctx); err != nil {
			return "", err
		}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: web address %q: want http(s)://HOST[/PATH]", ErrBadInput, base)
	}
	tok, err := d.CardToken(ctx, officer)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(base, "/") + "/c/" + tok, nil
}
