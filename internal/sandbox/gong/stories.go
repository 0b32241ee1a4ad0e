package gong

import (
	"time"
)

// The stories of Gong's own guides, pinned relative to the sandbox's day
// whatever the seed, and documented in docs/demo-company.md:
//
//   - Initech: the "Initech - Platform Expansion" deal was lost
//     initechLostDaysAgo days ago (Closed Lost), after nine calls in the
//     last 30 days in which Initech's people raise their own objections
//     (initechObjections) in their own words.
//   - Pied Piper: a customer whose "Pied Piper - Renewal" deal is in
//     negotiation, with calls in the last 14 days; the most recent call of
//     the whole company is with them, yesterday, 46 minutes long, and its
//     final part is concrete next steps with owners and dates.
//   - Stark Industries: "Stark Industries - Enterprise License" is in
//     proposal, and the Sales workspace has an "Executive Summary" brief
//     configured for deals.
//   - Activity: account executives differ (aeProfileFor): some never listen
//     to calls, some never comment, some do plenty of both.
const (
	initechLostDaysAgo = 4
	storyInitechLast   = "lost"    // Initech's last call: they choose Acme Corp
	storyRenewal       = "renew"   // Pied Piper's latest call: the renewal plan
	storyPiedPiper     = "piper"   // Pied Piper's other recent calls
	storyInitech       = "initech" // Initech's calls before the last
)

// objection is a concern a prospect raises: what they say (one of several
// wordings) and how the rep answers.
type objection struct {
	topic string
	says  []string
	reply []string
}

// initechObjections are Initech's own, in words no other account uses.
var initechObjections = []objection{
	{"Pricing", []string{
		"Honestly, the number is the problem. We set aside ninety thousand for this in the budget and your proposal is at {amount}.",
		"I have to be straight with you, {amount} is well over the ninety thousand our CFO approved for this project.",
	}, []string{
		"I hear you. Let me see what we can do on the first year so it fits inside the ninety thousand.",
		"Understood. Could we start with fewer seats this year and grow into the full number?",
	}},
	{"Objections", []string{
		"My bigger worry is the migration. We have eleven years of deal history in the old system and if the cutover goes wrong at quarter end, it's my neck.",
		"The migration scares me. Eleven years of history, forty custom fields, and our last system change took us two quarters to recover from.",
	}, []string{
		"That's fair. Our onboarding team would run the cutover in a sandbox first, and we wouldn't switch anything off until you sign off.",
		"We'd run both systems in parallel for a full month, so nothing is lost if something goes sideways.",
	}},
	{"Competition", []string{
		"I should tell you that Acme Corp came back with an offer, they'll give us the first year at half price and do the data migration for free.",
		"Acme Corp is offering the first year at fifty percent off, with the migration included, and that's hard to ignore.",
	}, []string{
		"I appreciate you telling me. Their first year is cheap, but look at what year two costs once the discount ends.",
		"Thanks for being open. Let me put the three year cost side by side, because their renewal price is where it bites.",
	}},
	{"Decision Process", []string{
		"Our CFO wants a three year commitment at a flat rate, and procurement won't move without it.",
		"Procurement is telling me nothing gets signed this quarter without a flat three year rate.",
	}, []string{
		"A flat rate for three years is something I can take to my leadership.",
		"Let me check whether we can hold the rate flat for the whole term.",
	}},
}

// namedObjections are the other named accounts' own concerns.
var namedObjections = map[string][]objection{
	"Stark Industries": {
		{"Security", []string{
			"Nothing goes live here without a full security review, and our team will want data residency in the US and SSO from day one.",
			"Our security people will need the pen test results, and data has to stay in US data centres.",
		}, []string{
			"We host in US regions only for customers who ask, and I'll send the pen test summary under NDA.",
			"Understood, SSO is included and I'll get our security team on a call with yours.",
		}},
		{"Contract", []string{
			"Legal will insist on our own paper, we don't sign vendor contracts.",
			"We'll need you to work from our master services agreement, not yours.",
		}, []string{"That's fine, we've signed on customer paper many times."}},
	},
	"Pied Piper": {
		{"Renewal", []string{
			"Our headcount went down this year, so we can't renew at the same number of seats.",
			"We're paying for seats nobody uses, I need the renewal to reflect that.",
		}, []string{
			"Let's right-size the seats and look at the usage together.",
			"Fair, let's look at active users and set the renewal on those.",
		}},
		{"Adoption", []string{
			"Half of the engineering managers never log in, and that's hard to defend at renewal time.",
			"Adoption outside the sales team has been slow, frankly.",
		}, []string{"Let's run a session for the engineering managers before the renewal."}},
	},
	"Hooli": {
		{"Objections", []string{
			"Timing is tricky, we're in the middle of a reorg and nobody owns this budget yet.",
			"With the reorg nobody knows who signs off on tools right now.",
		}, []string{"Who do you expect to own this once the reorg settles?"}},
		{"Competition", []string{
			"Fabrikam is already in the building through the marketing team, and they'd like to expand it.",
			"Our marketing team uses Fabrikam and they're pushing to standardise on it.",
		}, []string{"Fabrikam is strong for marketing, where we differ is the deal and forecast side."}},
	},
}

// objectionBank is where the other accounts draw their two concerns from,
// so that each account has its own and an agent mixing accounts up gives a
// visibly wrong answer.
var objectionBank = []objection{
	{"Objections", []string{"We just signed a two year deal for a BI tool, so another dashboard is a hard sell internally.", "Finance will ask why we need this on top of the BI tool we just bought."}, []string{"We're not a BI tool, we read the conversations themselves. Let me show you the difference."}},
	{"Objections", []string{"Our reps already complain about too many tools, I'm not sure they'd adopt one more.", "Tool fatigue is real here, the reps push back on anything new."}, []string{"It works inside the CRM they already use, so there's nothing new to open."}},
	{"Objections", []string{"We're a small IT team, and we can't take on another integration this half.", "IT has a freeze on new integrations until the summer."}, []string{"The connector is set up by us, it takes your admin about an hour."}},
	{"Objections", []string{"Recording calls is sensitive with our customers in Europe, legal will have questions.", "Our works council has to approve anything that records employees."}, []string{"We have a consent flow per region, and I'll send our GDPR documentation."}},
	{"Pricing", []string{"Per seat pricing doesn't work for us, half our users only need to read reports.", "We'd want a cheaper viewer licence for the people who only read."}, []string{"We do have read-only seats at a lower price, let me add them to the quote."}},
	{"Pricing", []string{"We can't pay annually up front, it has to be quarterly.", "Our finance team only does quarterly payments for software."}, []string{"Quarterly billing is fine, there's a small uplift I'll show you."}},
	{"Objections", []string{"We tried something like this three years ago and nobody used it after the first month.", "The last rollout of a tool like this died after a few weeks."}, []string{"What made it stall last time? That's exactly what our onboarding plan is built around."}},
	{"Objections", []string{"Our data is split across two CRMs since the acquisition, I don't see how this would work.", "We still run two CRMs after the merger, which complicates everything."}, []string{"We can connect both CRMs and map the accounts across them."}},
	{"Competition", []string{"Contoso offered us a pilot for free, for three months.", "Contoso is offering a free three month pilot."}, []string{"A pilot is a good idea, we can run one with clear success criteria."}},
	{"Objections", []string{"Our fiscal year ends in June and everything is frozen until then.", "Nothing new gets approved before our fiscal year starts in July."}, []string{"Then let's plan to be ready to sign on the first of July."}},
	{"Security", []string{"We need an on-premise option, our data can't leave our network.", "Cloud-only is a problem for our compliance team."}, []string{"We don't offer on-premise, but we do have a private cloud region with dedicated keys."}},
	{"Objections", []string{"Our sales leadership is changing next month, I'd rather wait for the new VP.", "There's a new VP of sales starting soon and I don't want to decide for them."}, []string{"Makes sense. Could we get twenty minutes with the new VP in their first weeks?"}},
}

// objectionsFor returns the concerns an account raises.
func objectionsFor(co *Company, a *Account) []objection {
	if a == nil {
		return nil
	}
	if a.Name == "Initech" {
		return initechObjections
	}
	if o, ok := namedObjections[a.Name]; ok {
		return o
	}
	i := 0
	for j, x := range co.Accounts {
		if x == a {
			i = j
		}
	}
	return []objection{objectionBank[(i*5)%len(objectionBank)], objectionBank[(i*5+3)%len(objectionBank)]}
}

// storyCalls pins the calls the stories need.
func (g *gen) storyCalls(aes, ses, managers []*User) {
	day0 := g.now
	initech, piper := g.c.AccountByName("Initech"), g.c.AccountByName("Pied Piper")
	// Nine Initech calls in the 30 days before the loss.
	kinds := []string{"pricing", "pricing", "negotiation", "pricing", "negotiation", "negotiation", "pricing", "negotiation", "negotiation"}
	for i, kind := range kinds {
		at := day0.AddDate(0, 0, -(29 - 3*i)).Add(time.Duration(14+i%5) * time.Hour)
		c := g.externalCall(at, initech, kind, aes, ses, managers)
		c.story = storyInitech
		if i == len(kinds)-1 {
			c.story = storyInitechLast
			c.Title, c.Purpose = "Initech - Decision Call", "Hear Initech's decision"
		}
		c.Duration = (35 + g.intn(20)) * 60
		c.seed = g.r.Uint64()
		g.addCall(c)
	}
	// Pied Piper's renewal: three calls in the last two weeks...
	for i, kind := range []string{"checkin", "pricing", "negotiation"} {
		at := day0.AddDate(0, 0, -(13 - 4*i)).Add(time.Duration(15+i) * time.Hour)
		c := g.externalCall(at, piper, kind, aes, ses, managers)
		c.story = storyPiedPiper
		c.Duration = (30 + g.intn(20)) * 60
		c.seed = g.r.Uint64()
		g.addCall(c)
	}
	// ...and the most recent call of all, yesterday, 46 minutes.
	latest := day0.Add(-2 * time.Hour)
	for _, c := range g.c.Calls {
		if !latest.After(c.Date()) {
			latest = c.Date().Add(5 * time.Minute)
		}
	}
	pp := g.externalCall(latest, piper, "negotiation", aes, ses, managers)
	pp.story = storyRenewal
	pp.Title, pp.Purpose = "Pied Piper - Renewal Plan", "Agree the renewal terms and the plan to signature"
	pp.Duration = 46 * 60
	pp.Started = pp.Scheduled
	pp.seed = g.r.Uint64()
	g.addCall(pp)
}

// aeProfile is how an account executive uses Gong: how often they replay
// calls and comment on them.
type aeProfile struct{ listen, comment float64 }

// aeProfileFor assigns profiles by position: one AE in five never listens
// nor comments, one listens but never comments, two do plenty of both and
// one a little of both.
func aeProfileFor(i int) aeProfile {
	switch i % 5 {
	case 1:
		return aeProfile{} // never listens, never comments
	case 3:
		return aeProfile{listen: 0.35} // listens, never comments
	case 2:
		return aeProfile{listen: 0.3, comment: 0.25}
	}
	return aeProfile{listen: 0.8, comment: 0.5} // plenty of both
}
