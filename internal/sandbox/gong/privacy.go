package gong

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// erasure is a pending data-privacy deletion. Gong says deletion "is not
// immediate, and may take several hours"; the sandbox applies it once
// erasureDelay of sandbox time has passed.
type erasure struct {
	email, phone string
	due          time.Time
	applied      bool
}

type emailMessageJSON struct {
	From        string `json:"from"`
	ID          string `json:"id"`
	SentTime    string `json:"sentTime"`
	Mailbox     string `json:"mailbox"`
	MessageHash string `json:"messageHash"`
}

type externalObjectJSON struct {
	ObjectType string `json:"objectType"`
	ExternalID string `json:"externalId"`
}

type callReferenceJSON struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	ExternalSystems []struct {
		System  string               `json:"system"`
		Objects []externalObjectJSON `json:"objects"`
	} `json:"externalSystems"`
}

type customerObjectJSON struct {
	ID         string         `json:"id"`
	ObjectType string         `json:"objectType"`
	ExternalID string         `json:"externalId"`
	MirrorID   string         `json:"mirrorId"`
	Fields     []contextField `json:"fields"`
}

type customerDataJSON struct {
	System  string               `json:"system"`
	Objects []customerObjectJSON `json:"objects"`
}

type idJSON struct {
	ID string `json:"id"`
}

type engagementJSON struct {
	EventType       string `json:"eventType"`
	Timestamp       string `json:"timestamp"`
	ContentID       string `json:"contentId,omitempty"`
	ContentURL      string `json:"contentUrl,omitempty"`
	ReportingSystem string `json:"reportingSystem,omitempty"`
	EventName       string `json:"eventName,omitempty"`
	SourceEventID   string `json:"sourceEventId,omitempty"`
}

func hashOf(parts ...string) string {
	h := md5.Sum([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])
}

func callRef(c *Call) callReferenceJSON {
	ref := callReferenceJSON{ID: c.ID, Status: "COMPLETED"}
	ref.ExternalSystems = append(ref.ExternalSystems, struct {
		System  string               `json:"system"`
		Objects []externalObjectJSON `json:"objects"`
	}{"Generic", []externalObjectJSON{{ObjectType: "Conversation", ExternalID: c.ClientUniqueID}}})
	return ref
}

func contactData(cts []*Contact) []customerDataJSON {
	if len(cts) == 0 {
		return []customerDataJSON{}
	}
	cd := customerDataJSON{System: "Salesforce"}
	for _, ct := range cts {
		cd.Objects = append(cd.Objects, customerObjectJSON{ID: itoa(id64(hashDigits(ct.CRMID))), ObjectType: "Contact", ExternalID: ct.CRMID,
			MirrorID: hashOf(ct.CRMID)[:18], Fields: []contextField{{"FirstName", ct.FirstName}, {"LastName", ct.LastName}, {"Email", ct.Email}, {"Phone", ct.Phone}}})
	}
	return []customerDataJSON{cd}
}

// hashDigits maps a string to a stable 18-digit numeric id.
func hashDigits(s string) string {
	h := md5.Sum([]byte(s))
	var n uint64
	for _, b := range h[:8] {
		n = n<<8 | uint64(b)
	}
	return itoa(int64(n%900_000_000_000_000_000 + 100_000_000_000_000_000))
}

// dataForEmail serves GET /v2/data-privacy/data-for-email-address.
func dataForEmail(x *exchange) {
	addr := strings.TrimSpace(x.query("emailAddress"))
	if addr == "" || !strings.Contains(addr, "@") {
		x.fail(http.StatusBadRequest, "emailAddress is required and must be an email address")
		return
	}
	co := x.s.company
	resp := struct {
		RequestID          string              `json:"requestId"`
		Emails             []emailMessageJSON  `json:"emails"`
		Calls              []callReferenceJSON `json:"calls"`
		Meetings           []idJSON            `json:"meetings"`
		CustomerData       []customerDataJSON  `json:"customerData"`
		CustomerEngagement []engagementJSON    `json:"customerEngagement"`
	}{RequestID: x.id, Emails: []emailMessageJSON{}, Calls: []callReferenceJSON{}, Meetings: []idJSON{}, CustomerEngagement: []engagementJSON{}}
	for _, e := range co.Emails {
		if strings.EqualFold(e.From, addr) || containsFold(e.To, addr) {
			resp.Emails = append(resp.Emails, emailMessageJSON{From: e.From, ID: e.ID, SentTime: iso(e.Sent), Mailbox: e.Mailbox, MessageHash: hashOf(e.ID, e.Subject)})
		}
	}
	for _, c := range co.Calls {
		for _, p := range c.Parties {
			if strings.EqualFold(p.Email, addr) {
				resp.Calls = append(resp.Calls, callRef(c))
				break
			}
		}
	}
	for _, id := range sortedKeys(x.s.state.meetings) {
		m := x.s.state.meetings[id]
		if strings.EqualFold(m.organizer, addr) || containsFold(m.invitees, addr) {
			resp.Meetings = append(resp.Meetings, idJSON{id})
		}
	}
	var cts []*Contact
	for _, ct := range co.Contacts {
		if strings.EqualFold(ct.Email, addr) {
			cts = append(cts, ct)
		}
	}
	resp.CustomerData = contactData(cts)
	for _, ev := range x.s.state.digitalEvents {
		if strings.EqualFold(ev.email, addr) {
			resp.CustomerEngagement = append(resp.CustomerEngagement, engagementJSON{EventType: ev.kind, Timestamp: iso(ev.at),
				ContentID: ev.contentID, ContentURL: ev.contentURL, ReportingSystem: ev.system, EventName: ev.name, SourceEventID: ev.eventID})
		}
	}
	x.json(http.StatusOK, resp)
}

func containsFold(xs []string, s string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// digits keeps the digits of a phone number, for matching.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func validPhone(p string) bool { return strings.HasPrefix(p, "+") && len(digits(p)) >= 7 }

// dataForPhone serves GET /v2/data-privacy/data-for-phone-number. Numbers
// must be in international form (+ and digits); matching ignores
// punctuation.
func dataForPhone(x *exchange) {
	phone := strings.TrimSpace(x.query("phoneNumber"))
	if !validPhone(phone) {
		x.fail(http.StatusBadRequest, "phoneNumber is required and must start with + followed by the country code")
		return
	}
	want := digits(phone)
	co := x.s.company
	resp := struct {
		RequestID            string              `json:"requestId"`
		Emails               []emailMessageJSON  `json:"emails"`
		Calls                []callReferenceJSON `json:"calls"`
		Meetings             []idJSON            `json:"meetings"`
		CustomerData         []customerDataJSON  `json:"customerData"`
		SuppliedPhoneNumber  string              `json:"suppliedPhoneNumber"`
		MatchingPhoneNumbers []string            `json:"matchingPhoneNumbers"`
		EmailAddresses       []string            `json:"emailAddresses"`
	}{RequestID: x.id, Emails: []emailMessageJSON{}, Calls: []callReferenceJSON{}, Meetings: []idJSON{}, SuppliedPhoneNumber: phone,
		MatchingPhoneNumbers: []string{}, EmailAddresses: []string{}}
	matched := map[string]bool{}
	for _, c := range co.Calls {
		for _, p := range c.Parties {
			if p.Affiliation == "External" && p.Phone != "" && digits(p.Phone) == want {
				resp.Calls = append(resp.Calls, callRef(c))
				matched[p.Phone] = true
				break
			}
		}
	}
	var cts []*Contact
	for _, ct := range co.Contacts {
		if ct.Phone != "" && digits(ct.Phone) == want {
			cts = append(cts, ct)
			matched[ct.Phone] = true
			if ct.Email != "" {
				resp.EmailAddresses = append(resp.EmailAddresses, ct.Email)
			}
		}
	}
	resp.CustomerData = contactData(cts)
	resp.MatchingPhoneNumbers = append(resp.MatchingPhoneNumbers, sortedKeys(matched)...)
	x.json(http.StatusOK, resp)
}

func eraseEmail(x *exchange) {
	addr := strings.TrimSpace(x.query("emailAddress"))
	if addr == "" || !strings.Contains(addr, "@") {
		x.fail(http.StatusBadRequest, "emailAddress is required and must be an email address")
		return
	}
	x.s.state.erasures = append(x.s.state.erasures, &erasure{email: addr, due: x.now.Add(erasureDelay)})
	x.s.pendingErasures.Add(1)
	x.json(http.StatusOK, struct {
		RequestID string `json:"requestId"`
	}{x.id})
}

func erasePhone(x *exchange) {
	phone := strings.TrimSpace(x.query("phoneNumber"))
	if !validPhone(phone) {
		x.fail(http.StatusBadRequest, "phoneNumber is required and must start with + followed by the country code")
		return
	}
	x.s.state.erasures = append(x.s.state.erasures, &erasure{phone: phone, due: x.now.Add(erasureDelay)})
	x.s.pendingErasures.Add(1)
	x.json(http.StatusOK, struct {
		RequestID string `json:"requestId"`
	}{x.id})
}

// erasedName replaces an erased participant's name.
const erasedName = "Erased participant"

// settle applies erasures whose time has come. It runs before every API
// request, taking the write lock only when something is pending.
func (s *Sandbox) settle(now time.Time) {
	if s.pendingErasures.Load() == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	co := s.company
	for _, e := range s.state.erasures {
		if e.applied || now.Before(e.due) {
			continue
		}
		e.applied = true
		s.pendingErasures.Add(-1)
		match := func(email, phone string) bool {
			return e.email != "" && strings.EqualFold(email, e.email) || e.phone != "" && phone != "" && digits(phone) == digits(e.phone)
		}
		var emails []*Email
		for _, m := range co.Emails {
			if e.email == "" || !(strings.EqualFold(m.From, e.email) || containsFold(m.To, e.email)) {
				emails = append(emails, m)
			}
		}
		co.Emails = emails
		for _, c := range co.Calls {
			for _, p := range c.Parties {
				if p.Affiliation == "External" && match(p.Email, p.Phone) {
					p.Email, p.Phone, p.Name, p.Title = "", "", erasedName, ""
				}
			}
		}
		for _, ct := range co.Contacts {
			if match(ct.Email, ct.Phone) {
				ct.Email, ct.Phone = "", ""
			}
		}
		var evs []digitalEvent
		for _, ev := range s.state.digitalEvents {
			if !match(ev.email, "") {
				evs = append(evs, ev)
			}
		}
		s.state.digitalEvents = evs
	}
}
