package casefile

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"

	"lawtrail/evidence"
	"lawtrail/store"
)

// A case continued on several terminals of an agency holds events of each.
// Its case file then carries every chain whole — this terminal's first,
// then each other terminal's, each from its first event (terminal.initialized,
// naming its key) in seq order — so a verifier checks every chain;
// terminals.json with the other terminals' keys (derived from their
// terminal.initialized events, and compared again); and places.jsonl, the
// hub's log index of each event, so the verifier replays the events in the
// log order as the exporting terminal did. A case file of one terminal has
// neither file and is as it always was.

// PlacesFile lists each event's place in the hub's log.
const PlacesFile = "places.jsonl"

// otherTerminalsFile names the other terminals whose chains the file holds.
const otherTerminalsFile = "terminals.json"

// deriveOtherTerminals adds terminals.json when the record holds other
// terminals' events.
func deriveOtherTerminals(ctx context.Context, st *store.Store, files map[string][]byte) error {
	others, err := st.OtherTerminals(ctx)
	if err != nil || len(others) == 0 {
		return err
	}
	list := make([]bundleTerminal, len(others))
	for i, t := range others {
		list[i] = bundleTerminal{Terminal: t.ID, PublicKey: t.PublicKey, PublicKeyPEM: evidence.PublicKeyPEM(t.PublicKey), Name: t.Name, Agency: t.Agency}
	}
	return putJSON(files, otherTerminalsFile, list)
}

// addPlaces adds places.jsonl when the record holds other terminals' events.
func addPlaces(ctx context.Context, rep *store.Store, files map[string][]byte) error {
	if _, several := files[otherTerminalsFile]; !several {
		return nil
	}
	places, err := rep.LogPlaces(ctx)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, p := range places {
		if err := enc.Encode(p); err != nil {
			return err
		}
	}
	files[PlacesFile] = b.Bytes()
	return nil
}

// eachChain calls fn for every event, this terminal's chain first, then the
// others', each in seq order.
func eachChain(ctx context.Context, st *store.Store, own string, fn func(evidence.Event) error) error {
	err := st.Events(ctx, func(se store.StoredEvent) error {
		if se.Terminal != own {
			return nil
		}
		return fn(se.Event)
	})
	if err != nil {
		return err
	}
	return st.Events(ctx, func(se store.StoredEvent) error {
		if se.Terminal == own {
			return nil
		}
		return fn(se.Event)
	})
}

// readOtherTerminals takes the other terminals' keys from terminals.json,
// when the case file has one, and says where they came from.
func (v *verification) readOtherTerminals() {
	if _, listed := v.sums[otherTerminalsFile]; !listed {
		return
	}
	raw, err := readCapped(v.b, otherTerminalsFile, maxSmallBytes)
	if err != nil {
		v.out.problem("%s: %v", otherTerminalsFile, err)
		return
	}
	var list []bundleTerminal
	if err := json.Unmarshal(raw, &list); err != nil {
		v.out.problem("%s: %v", otherTerminalsFile, err)
		return
	}
	for _, t := range list {
		if len(t.PublicKey) != ed25519.PublicKeySize || evidence.KeyID(t.PublicKey) != t.Terminal {
			v.out.problem("%s: terminal %s does not carry its own 32-byte key", otherTerminalsFile, t.Terminal)
			continue
		}
		v.others = append(v.others, t)
	}
	if len(v.others) > 0 {
		v.out.Notes = append(v.out.Notes, fmt.Sprintf("the keys of %d other terminal(s) were taken from %s: compare them with the hub's register of terminals", len(v.others), otherTerminalsFile))
	}
}

// readPlaces reads places.jsonl, when the case file has one.
func (v *verification) readPlaces() []store.LogPlace {
	if _, listed := v.sums[PlacesFile]; !listed {
		return nil
	}
	var places []store.LogPlace
	err := eachLine(v.b, PlacesFile, maxEventLine, func(n int, line []byte) error {
		var p store.LogPlace
		if err := json.Unmarshal(line, &p); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		places = append(places, p)
		return nil
	})
	if err != nil {
		v.out.problem("%s: %v", PlacesFile, err)
	}
	return places
}
