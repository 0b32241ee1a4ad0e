package gong

import (
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strings"
)

// A script line before timing: who says it (a role mapped to a party
// later), under which topic, and what notable thing it is (flag).
type line struct {
	role, topic, text, flag string
}

// Flags mark lines the analysis picks up: objections and pains feed the
// SMART trackers and highlights, nextstep the next steps, pricing and
// competitor the briefs.
const (
	flagObjection  = "objection"
	flagPain       = "pain"
	flagPricing    = "pricing"
	flagCompetitor = "competitor"
	flagNextStep   = "nextstep"
)

type scriptCtx struct {
	r                   *mrand.Rand
	c                   *Call
	co                  *Company
	vars                map[string]string
	lines               []line
	competitor          string
	hasSE, hasCustomer2 bool
	objections          []objection // the account's own concerns
	wpm                 int         // the call's speaking rate
	said                map[string]bool
}

func (s *scriptCtx) chance(p float64) bool { return s.r.Float64() < p }
func (s *scriptCtx) pick(xs ...string) string {
	return xs[s.r.IntN(len(xs))]
}
func (s *scriptCtx) say(role, topic, text, flag string) {
	s.lines = append(s.lines, line{role, topic, s.fill(text), flag})
}
func (s *scriptCtx) fill(t string) string {
	for k, v := range s.vars {
		t = strings.ReplaceAll(t, "{"+k+"}", v)
	}
	return t
}

func buildContent(c *Call, co *Company) *CallContent {
	s := &scriptCtx{r: mrand.New(mrand.NewPCG(c.seed, c.seed^0xC0FFEE)), c: c, co: co, vars: map[string]string{}}
	host := co.userByID[c.PrimaryUserID]
	s.vars["company"] = companyName
	if host != nil {
		s.vars["rep"] = host.FirstName
	} else {
		s.vars["rep"] = "there"
	}
	s.vars["contact"], s.vars["other"] = "everyone", "our team"
	for _, p := range c.Parties {
		switch p.role {
		case "customer":
			s.vars["contact"] = spokenName(p)
		case "customer2":
			s.hasCustomer2 = true
			s.vars["other"] = spokenName(p)
		case "se":
			s.hasSE = true
			s.vars["se"] = strings.Fields(p.Name)[0]
		}
	}
	if a := co.accountByID[c.AccountID]; a != nil {
		s.vars["account"] = a.Name
	} else {
		s.vars["account"] = "your team"
	}
	amount := 48000.0
	if d := co.dealByID[c.DealID]; d != nil && d.Amount > 0 {
		amount = d.Amount
	}
	seats := max(10, int(amount/800))
	s.vars["amount"] = money(amount)
	s.vars["seats"] = fmt.Sprint(seats)
	s.vars["seats2"] = fmt.Sprint(max(5, seats/2))
	s.vars["day"] = s.pick("Friday", "Thursday", "Monday", "end of day tomorrow")
	s.competitor = competitors[0]
	if s.chance(0.4) {
		s.competitor = competitors[s.r.IntN(len(competitors))]
	}
	s.vars["competitor"] = s.competitor
	if _, ok := s.vars["se"]; !ok {
		s.vars["se"] = "our solutions engineer"
	}
	s.objections = objectionsFor(co, co.accountByID[c.AccountID])

	switch c.Kind {
	case "internal":
		s.internal()
	case "cold":
		s.cold()
	default:
		s.external()
	}
	return s.analyse()
}

// spokenName is how others address a party: the first name, or "there"
// once the person was erased (a transcript rebuilt after an erasure names
// nobody).
func spokenName(p *Party) string {
	if f := strings.Fields(p.Name); len(f) > 0 && p.Name != erasedName {
		return f[0]
	}
	return "there"
}

func money(v float64) string {
	n := int64(v)
	str := fmt.Sprint(n)
	var b strings.Builder
	for i, ch := range str {
		if i > 0 && (len(str)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return "$" + b.String()
}

func (s *scriptCtx) external() {
	const setup, small, next = "Call Setup", "Small Talk", "Next Steps"
	s.say("host", setup, s.pick("Hi {contact}, thanks for making the time today.", "Hey {contact}, good to see you again.", "Hi everyone, thanks for joining."), "")
	s.say("customer", setup, s.pick("Of course, happy to be here.", "Thanks {rep}, sorry I'm a couple of minutes late.", "Hi {rep}, good to see you."), "")
	s.say("host", setup, "Can everyone hear me okay?", "")
	s.say("customer", setup, "Yes, loud and clear.", "")
	if s.chance(0.7) {
		s.say("host", small, s.pick("How was your week?", "Did you get out at all over the weekend?", "How's the quarter treating you?"), "")
		s.say("customer", small, s.pick("Busy, we're closing the quarter.", "A little hiking, it was great.", "Hectic, but good."), "")
	}
	kind := s.c.Kind
	switch kind {
	case "discovery":
		s.discovery()
	case "demo":
		s.demo()
	case "pricing":
		s.pricing()
	case "negotiation":
		s.negotiation()
	default:
		s.checkin()
	}
	s.raiseObjections()
	if s.c.story == storyRenewal {
		s.renewalPlan()
		return
	}
	if s.c.story == storyInitechLast {
		s.say("customer", "Decision Process", "I wanted to tell you myself: we've decided to go with Acme Corp.", flagCompetitor)
		s.say("customer", "Decision Process", "In the end it came down to the budget and the migration risk, and their first year offer covered both.", flagObjection)
		s.say("host", "Decision Process", "I appreciate you telling me directly. Can I ask what we could have done differently?", "")
		s.say("customer", "Decision Process", "If the price had fit the ninety thousand and the migration had been included, it would have been a different conversation.", "")
		s.say("host", next, "As a next step, I'll check in after your first six months with Acme Corp to see how it's going.", flagNextStep)
		s.say("host", next, "Thanks for your honesty, and good luck with the rollout.", "")
		return
	}
	s.say("host", next, s.pick(
		"As a next step, I'll send over the proposal by {day}.",
		"Next step is a technical deep dive with your IT team next week.",
		"I'll follow up with the security documentation and a mutual close plan by {day}.",
		"As a next step, let's get our legal teams together this week."), flagNextStep)
	s.say("customer", next, s.pick("Sounds good, I'll loop in {other}.", "Great, talk then.", "Perfect, that works for us."), "")
	s.say("host", next, "Thanks everyone, have a great rest of your day.", "")
}

// raiseObjections has the customer raise the account's own concerns:
// Initech's story calls raise two or three each, so that every one of
// them comes up in the month before the loss; other calls raise each with
// some probability that grows with the stage.
func (s *scriptCtx) raiseObjections() {
	os := s.objections
	if len(os) == 0 {
		return
	}
	var raise []objection
	switch {
	case s.c.story == storyInitech || s.c.story == storyInitechLast:
		first := s.r.IntN(len(os))
		for k := 0; k < 2+s.r.IntN(2); k++ {
			raise = append(raise, os[(first+k)%len(os)])
		}
	default:
		p := map[string]float64{"discovery": 0.2, "demo": 0.35, "pricing": 0.6, "negotiation": 0.6, "checkin": 0.35}[s.c.Kind]
		for _, o := range os {
			if s.chance(p) {
				raise = append(raise, o)
			}
		}
	}
	for _, o := range raise {
		who := "customer"
		if s.hasCustomer2 && s.chance(0.3) {
			who = "customer2"
		}
		s.say(who, o.topic, o.says[s.r.IntN(len(o.says))], flagObjection)
		s.say(s.seOrHost(), o.topic, o.reply[s.r.IntN(len(o.reply))], "")
	}
}

// renewalPlan closes Pied Piper's latest call: concrete next steps, each
// with an owner and a date.
func (s *scriptCtx) renewalPlan() {
	const next = "Next Steps"
	s.say("host", next, "Let's make the plan concrete before we drop.", "")
	s.say("host", next, "Next step one: I'll send the revised renewal quote at {seats2} seats with the flat rate by Thursday.", flagNextStep)
	s.say("customer", next, "And I'll take the usage report to our CFO on Monday so she can approve the seat count.", flagNextStep)
	s.say("host", next, "Next step two: {se} runs the training for the engineering managers next Wednesday at ten.", flagNextStep)
	s.say("customer", next, "I'll send the invite for that session to all twelve engineering managers today.", flagNextStep)
	s.say("host", next, "Next step three: our legal team sends the renewal order form by the end of next week.", flagNextStep)
	s.say("customer", next, "Then we aim to sign before the twentieth, so the renewal lands before the current term ends.", flagNextStep)
	s.say("host", next, "I'll put a check-in on the calendar for Friday to confirm the CFO's answer.", flagNextStep)
	s.say("customer", next, "Great, that's a clear plan. Talk on Friday.", "")
	s.say("host", next, "Thanks everyone, have a great rest of your day.", "")
}

func (s *scriptCtx) seOrHost() string {
	if s.hasSE {
		return "se"
	}
	return "host"
}

func (s *scriptCtx) has(sub string) bool {
	for _, l := range s.lines {
		if strings.Contains(strings.ToLower(l.text), strings.ToLower(sub)) {
			return true
		}
	}
	return false
}

func (s *scriptCtx) discovery() {
	const cur, pain, goals, proc = "Current Process", "Pain Points", "Goals", "Decision Process"
	s.say("host", cur, "Can you walk me through how your team handles pipeline reporting today?", "")
	s.say("customer", cur, "Right now everything lives in spreadsheets that each manager keeps on their own.", "")
	s.say("customer", pain, s.pick("It takes us about a week to pull the forecast together every month.",
		"Our managers can't see what's happening in deals until it's too late."), flagPain)
	s.say("host", pain, "What happens if that doesn't get fixed this year?", "")
	s.say("customer", pain, "Honestly we'll keep missing forecast, and the board is already asking questions.", flagPain)
	if s.chance(0.5) {
		s.say("customer2", pain, "And on the IT side, every new report is a ticket for my team.", flagPain)
	}
	s.say("host", goals, "If we fast forward six months, what does success look like for you?", "")
	s.say("customer", goals, "One view of the pipeline that everyone trusts, updated without anyone touching a spreadsheet.", "")
	s.say("host", proc, "Who else is involved in evaluating a solution like this?", "")
	s.say("customer", proc, "Our CFO signs off on anything over fifty thousand, and IT has to do a security review.", "")
	s.say("host", proc, "And what does your timeline look like?", "")
	s.say("customer", proc, "We'd like something in place before the start of next quarter.", "")
	if s.chance(0.3) {
		s.say("customer", "Competition", "We had a quick look at {competitor} last year but it didn't stick.", flagCompetitor)
	}
}

func (s *scriptCtx) demo() {
	const demo, integ = "Product Demo", "Integrations"
	s.say(s.seOrHost(), demo, "Let me share my screen.", "")
	s.say(s.seOrHost(), demo, "What you're seeing here is the pipeline dashboard, refreshed every fifteen minutes from your CRM.", "")
	s.say("customer", demo, "Can we filter this by region?", "")
	s.say(s.seOrHost(), demo, "Yes, any CRM field can be a filter, and managers can save their own views.", "")
	s.say("customer", demo, "That's really helpful, the forecasting view is exactly what our managers need.", "")
	s.say("customer2", integ, "How do you connect to Salesforce? Is it a nightly export?", "")
	s.say(s.seOrHost(), integ, "No exports, the connector syncs continuously, and we support SSO and SCIM.", "")
	if s.chance(0.4) {
		s.say("customer", "Competition", "How does this compare to what {competitor} showed us?", flagCompetitor)
		s.say("host", "Competition", "The big difference versus {competitor} is that our forecast model is trained on your own history, not a generic one.", flagCompetitor)
	}
	s.say("customer", "Pricing", "Roughly what does pricing look like for a team our size?", flagPricing)
	s.say("host", "Pricing", "It's priced per seat, I'll put together a quote for {seats} seats.", flagPricing)
}

func (s *scriptCtx) pricing() {
	const pr = "Pricing"
	s.say("host", pr, "I wanted to walk you through the proposal we sent over.", "")
	s.say("host", pr, "Based on {seats} seats, the price comes to {amount} per year, including onboarding.", flagPricing)
	s.say("customer", pr, "Is there any flexibility on the per seat price?", flagPricing)
	s.say("host", pr, "We could phase the rollout, starting with {seats2} seats and expanding in the second half.", flagPricing)
	if s.chance(0.35) {
		s.say("customer", "Competition", "Honestly, {competitor} quoted us lower.", flagCompetitor)
		s.say("host", "Competition", "Their quote doesn't include connectors or onboarding, once you add those we're very close.", flagCompetitor)
	}
}

func (s *scriptCtx) negotiation() {
	const ct = "Contract"
	s.say("customer", ct, "Legal has a few redlines on the liability clause.", "")
	s.say("host", ct, "That's normal, let's get our legal teams together this week.", "")
	s.say("customer", "Pricing", "We'd also like the price locked for three years.", flagPricing)
	s.say("host", "Pricing", "I can lock the per seat price for a three year term.", flagPricing)
	if s.chance(0.5) {
		s.say("customer", "Competition", "To be transparent, {competitor} quoted us about twenty percent lower.", flagCompetitor)
		s.say("host", "Competition", "Teams that moved from {competitor} tell us onboarding took half the time, and there are no extra fees for connectors.", flagCompetitor)
	}
	s.say("customer", ct, "If legal is happy we should be able to sign before the end of the month.", "")
}

func (s *scriptCtx) checkin() {
	const ad, rn = "Adoption", "Renewal"
	s.say("host", ad, "Usage is up thirty percent since last quarter, with most managers active every week.", "")
	s.say("customer", ad, "A few teams still export to spreadsheets out of habit.", flagPain)
	s.say("host", ad, "Let's set up a training session for those teams.", "")
	if s.chance(0.2) {
		s.say("customer", "Competition", "{competitor} reached out to us last week with an offer.", flagCompetitor)
	}
}

func (s *scriptCtx) cold() {
	const intro = "Introduction"
	s.say("host", intro, "Hi {contact}, this is {rep} from {company}. Did I catch you at a bad time?", "")
	s.say("customer", intro, "I've got a couple of minutes, what's this about?", "")
	s.say("host", intro, "We help revenue teams like yours get a reliable forecast without the spreadsheets.", "")
	if strings.Contains(s.c.SDRDisposition, "Booked") {
		s.say("customer", intro, "Funny timing, that's a real problem for us right now.", flagPain)
		s.say("host", "Next Steps", "Would you be open to a twenty minute call next week to go deeper?", "")
		s.say("customer", "Next Steps", "Sure, send over an invite for Tuesday.", flagNextStep)
		return
	}
	if s.chance(0.5) {
		s.say("customer", intro, "We already use {competitor} for that.", flagCompetitor)
		s.say("host", intro, "Makes sense. A lot of teams compare us with {competitor} at renewal, when is yours?", flagCompetitor)
	} else {
		s.say("customer", intro, "We're not looking at anything right now, there's no budget this year.", flagObjection)
	}
	s.say("customer", intro, "Not right now, maybe next quarter.", "")
	s.say("host", intro, "Totally fair, I'll follow up next quarter. Thanks for your time.", flagNextStep)
}

func (s *scriptCtx) internal() {
	title := s.c.Title
	var open []*Deal
	for _, d := range s.co.Deals {
		if d.Status == "Open" {
			open = append(open, d)
		}
	}
	d1, d2 := open[s.r.IntN(len(open))], open[s.r.IntN(len(open))]
	if a := s.co.accountByID[s.c.AccountID]; a != nil {
		for _, d := range a.Deals {
			if d.Status == "Open" {
				d1 = d
			}
		}
	}
	a1, a2 := s.co.accountByID[d1.AccountID].Name, s.co.accountByID[d2.AccountID].Name
	switch {
	case strings.HasPrefix(title, "1:1"):
		s.say("host", "Coaching", "How are you feeling about the quarter?", "")
		s.say("peer", "Coaching", "Good overall, "+a1+" is the one I'm worried about.", "")
		s.say("host", "Coaching", "What's the blocker there?", "")
		s.say("peer", "Coaching", "They said it's more than they budgeted, so I'm proposing a phased rollout.", flagObjection)
		s.say("host", "Coaching", "Let's listen to the last call together and plan the next step.", flagNextStep)
	case strings.HasPrefix(title, "Enablement"):
		s.say("host", "Enablement", "Today we're practising objection handling.", "")
		s.say("host", "Enablement", "The most common one this quarter is 'That's more than we budgeted'.", flagObjection)
		s.say("peer", "Enablement", "I usually go back to the business case before talking about discounts.", "")
		s.say("host", "Enablement", "Exactly, and when {competitor} comes up, focus on onboarding time.", flagCompetitor)
	default:
		s.say("host", "Pipeline", "Let's go through the commit deals for the quarter.", "")
		s.say("peer", "Pipeline", a1+" is in "+strings.ToLower(d1.Stage)+", "+money(d1.Amount)+", they pushed back on price.", flagPricing)
		s.say("host", "Pipeline", "What's the risk on "+a2+"?", "")
		s.say("peer", "Pipeline", "{competitor} is in the deal, we need to get the SE team involved.", flagCompetitor)
		s.say("host", "Forecast", "Are we comfortable calling "+a1+" commit?", "")
		s.say("peer", "Forecast", "Best case for now, I'll know more after the legal call.", "")
		s.say("host", "Next Steps", "Next step, let's review the mutual close plan on Thursday.", flagNextStep)
	}
}

// speakerFor maps a script role to a party's speakerId.
func speakerFor(c *Call, role string, r *mrand.Rand) *Party {
	var host, first, cust, cust2, se, manager *Party
	var peers []*Party
	for _, p := range c.Parties {
		if first == nil {
			first = p
		}
		switch p.role {
		case "host":
			host = p
		case "customer":
			cust = p
		case "customer2":
			cust2 = p
		case "se":
			se = p
		case "manager":
			manager = p
		case "peer":
			peers = append(peers, p)
		}
	}
	if host == nil {
		host = first
	}
	switch role {
	case "customer":
		if cust != nil {
			return cust
		}
	case "customer2":
		if cust2 != nil {
			return cust2
		}
		if cust != nil {
			return cust
		}
	case "se":
		if se != nil {
			return se
		}
	case "manager":
		if manager != nil {
			return manager
		}
	case "peer":
		if len(peers) > 0 {
			return peers[r.IntN(len(peers))]
		}
	}
	return host
}

// analyse times the script over the call's duration and derives
// everything Gong's analysis reports from that one timeline.
func (s *scriptCtx) analyse() *CallContent {
	c := s.c
	s.pad()
	dur := int64(max(c.Duration, 30)) * 1000
	starts, ends := s.timeline(dur)
	out := &CallContent{TalkTime: map[string]float64{}}
	topicDur := map[string]float64{}
	var topicOrder []string
	var prevSpeaker string
	switches := 0
	longest := map[string]float64{} // current run per speaker
	var longestCompany, longestCustomer float64
	var run float64
	for i, l := range s.lines {
		start, end := starts[i], ends[i]
		speak := end - start
		slot := dur - start
		if i+1 < len(starts) {
			slot = starts[i+1] - start
		}
		p := speakerFor(c, l.role, s.r)
		sent := Sentence{Start: start, End: end, Text: l.text}
		if n := len(out.Transcript); n > 0 && out.Transcript[n-1].SpeakerID == p.SpeakerID && out.Transcript[n-1].Topic == l.topic {
			out.Transcript[n-1].Sentences = append(out.Transcript[n-1].Sentences, sent)
		} else {
			out.Transcript = append(out.Transcript, Monologue{SpeakerID: p.SpeakerID, Topic: l.topic, Sentences: []Sentence{sent}})
		}
		secs := float64(speak) / 1000
		out.TalkTime[p.SpeakerID] += secs
		if p.SpeakerID != prevSpeaker {
			switches++
			run = 0
		}
		run += secs
		if p.Affiliation == "Internal" {
			longestCompany = math.Max(longestCompany, run)
		} else {
			longestCustomer = math.Max(longestCustomer, run)
		}
		longest[p.SpeakerID] = math.Max(longest[p.SpeakerID], run)
		prevSpeaker = p.SpeakerID
		if _, ok := topicDur[l.topic]; !ok {
			topicOrder = append(topicOrder, l.topic)
		}
		topicDur[l.topic] += float64(slot) / 1000
		if strings.HasSuffix(l.text, "?") {
			if p.Affiliation == "Internal" {
				out.Questions[0]++
			} else {
				out.Questions[1]++
			}
		}
		tl := TimedLine{Text: l.text, SpeakerID: p.SpeakerID, Start: float64(start) / 1000}
		switch l.flag {
		case flagObjection:
			out.Objections = append(out.Objections, tl)
		case flagPain:
			out.Pains = append(out.Pains, tl)
		case flagPricing:
			out.Pricing = append(out.Pricing, tl)
		case flagCompetitor:
			out.Competitors = append(out.Competitors, tl)
		case flagNextStep:
			out.NextSteps = append(out.NextSteps, tl)
		}
	}
	for _, t := range topicOrder {
		out.Topics = append(out.Topics, Topic{Name: t, Duration: int(math.Round(topicDur[t]))})
	}
	out.Trackers = s.trackers(out)
	out.Outline = outline(out, topicOrder, topicDur, s.co, c)
	out.Highlights = highlights(out)
	out.KeyPoints = keyPoints(out)
	out.Brief = brief(out, s.co, c)
	var host, all float64
	hostSpeaker := ""
	for _, p := range c.Parties {
		if p.UserID == c.PrimaryUserID {
			hostSpeaker = p.SpeakerID
		}
	}
	for id, t := range out.TalkTime {
		all += t
		if id == hostSpeaker {
			host += t
		}
	}
	minutes := math.Max(1, float64(c.Duration)/60)
	out.Stats = []InteractionStat{
		{Name: "Talk Ratio", Value: round2(host / math.Max(all, 1))},
		{Name: "Longest Monologue", Value: math.Round(longestCompany)},
		{Name: "Longest Customer Story", Value: math.Round(longestCustomer)},
		{Name: "Interactivity", Value: round2(math.Min(10, float64(switches)/minutes*2))},
		{Name: "Patience", Value: round2(0.4 + s.r.Float64()*1.2)},
	}
	return out
}

// pad fills the call with conversation around the script's lines, so
// that people speak at a real rate (about 130 to 155 words a minute) for
// most of the call. The talk after each line stays on its topic; nothing
// follows the goodbye.
func (s *scriptCtx) pad() {
	s.wpm = 142 + s.r.IntN(20)
	s.said = map[string]bool{}
	target := int(float64(s.c.Duration) / 60 * float64(s.wpm) * 0.68)
	have := 0
	for _, l := range s.lines {
		have += wordCount(l.text)
	}
	budget := target - have
	if budget <= 0 || len(s.lines) == 0 {
		return
	}
	// Each line is followed by talk in proportion to its weight: the body
	// of the call is long, the wrap-up brisk; the opening and small talk
	// get one short reply at most.
	orig := s.lines
	weights := make([]float64, len(orig))
	sum := 0.0
	for i, l := range orig[:len(orig)-1] {
		switch l.topic {
		case "Call Setup", "Small Talk":
		case "Next Steps":
			weights[i] = 0.2
		default:
			weights[i] = 1
		}
		sum += weights[i]
	}
	out := make([]line, 0, len(orig)+budget/8)
	used, acc := 0, 0.0
	for i, l := range orig {
		out = append(out, l)
		if weights[i] == 0 {
			if i < len(orig)-1 && s.r.IntN(2) == 0 && orig[i+1].role == l.role {
				t := s.talk(l.topic, s.replyRole(l.role))
				out = append(out, line{s.replyRole(l.role), l.topic, t, ""})
			}
			continue
		}
		acc += weights[i]
		goal := int(float64(budget) * acc / max(sum, 1))
		for used < goal {
			role := s.replyRole(out[len(out)-1].role)
			if s.r.IntN(4) == 0 {
				t := backchannels[s.r.IntN(len(backchannels))]
				out = append(out, line{role, l.topic, t, ""})
				used += wordCount(t)
				continue
			}
			for k := 1 + s.r.IntN(4); k > 0 && used < goal; k-- {
				t := s.talk(l.topic, role)
				if s.r.IntN(10) < 1 { // run-on speech: two sentences in one
					t += " " + s.talk(l.topic, role)
				}
				out = append(out, line{role, l.topic, t, ""})
				used += wordCount(t)
			}
		}
	}
	s.lines = out
}

// replyRole is who answers after role spoke.
func (s *scriptCtx) replyRole(last string) string {
	if s.c.Kind == "internal" {
		if last == "host" {
			return "peer"
		}
		return "host"
	}
	switch last {
	case "customer", "customer2":
		if s.hasSE && s.r.IntN(10) < 3 {
			return "se"
		}
		return "host"
	}
	if s.hasCustomer2 && s.r.IntN(10) < 3 {
		return "customer2"
	}
	return "customer"
}

// timeline times every line: words at the call's speaking rate, with
// short pauses inside a turn and longer ones between speakers, stretched
// so that the conversation fills the call. Only a call too short for its
// script speeds the speech up.
func (s *scriptCtx) timeline(dur int64) (starts, ends []int64) {
	msPerWord := 60000.0 / float64(s.wpm)
	n := len(s.lines)
	starts, ends = make([]int64, n), make([]int64, n)
	speak, gap := make([]float64, n), make([]float64, n)
	var speech, pauses float64
	prev := ""
	for i, l := range s.lines {
		gap[i] = float64(120 + s.r.IntN(300))
		if l.role != prev {
			gap[i] = float64(300 + s.r.IntN(800))
		}
		speak[i] = float64(wordCount(l.text))*msPerWord*(0.9+0.2*s.r.Float64()) + 150
		speech += speak[i]
		pauses += gap[i]
		prev = l.role
	}
	avail := float64(dur) - 1500
	gapScale, speakScale := 1.0, 1.0
	if speech < avail {
		gapScale = (avail - speech) / max(pauses, 1)
	} else {
		gapScale, speakScale = 0.2, avail/(speech+0.2*pauses)
		speakScale = min(speakScale, 1)
	}
	cursor := 0.0
	for i := range s.lines {
		cursor += gap[i] * gapScale
		starts[i] = int64(cursor)
		cursor += speak[i] * speakScale
		ends[i] = int64(cursor)
	}
	return starts, ends
}

func wordCount(t string) int { return len(strings.Fields(t)) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// trackers scans the transcript for each keyword tracker's phrases and
// collects the flagged lines for SMART trackers.
func (s *scriptCtx) trackers(out *CallContent) []CallTracker {
	var res []CallTracker
	for _, t := range s.co.Trackers {
		ct := CallTracker{ID: t.ID, Name: t.Name, Type: t.Type, Phrases: map[string][]TrackerOccurrence{}}
		if t.Type == "SMART" {
			var src []TimedLine
			switch t.flag {
			case flagObjection:
				src = out.Objections
			case flagPain:
				src = out.Pains
			}
			for _, l := range src {
				ct.Occurrences = append(ct.Occurrences, TrackerOccurrence{StartTime: l.Start, SpeakerID: l.SpeakerID})
			}
		} else {
			for _, m := range out.Transcript {
				for _, sen := range m.Sentences {
					low := strings.ToLower(sen.Text)
					for _, kw := range t.Keywords {
						if strings.Contains(low, strings.ToLower(kw)) {
							occ := TrackerOccurrence{StartTime: float64(sen.Start) / 1000, SpeakerID: m.SpeakerID}
							ct.Occurrences = append(ct.Occurrences, occ)
							if _, ok := ct.Phrases[kw]; !ok {
								ct.PhraseOrder = append(ct.PhraseOrder, kw)
							}
							ct.Phrases[kw] = append(ct.Phrases[kw], occ)
						}
					}
				}
			}
		}
		res = append(res, ct)
	}
	return res
}

func partyName(c *Call, speakerID string) string {
	for _, p := range c.Parties {
		if p.SpeakerID == speakerID {
			return p.Name
		}
	}
	return "Speaker"
}

func outline(out *CallContent, order []string, dur map[string]float64, co *Company, c *Call) []OutlineSection {
	var res []OutlineSection
	for _, t := range order {
		sec := OutlineSection{Section: t, Duration: math.Round(dur[t])}
		first := true
		for _, m := range out.Transcript {
			if m.Topic != t {
				continue
			}
			for _, sen := range m.Sentences {
				if len(strings.Fields(sen.Text)) < 5 {
					continue
				}
				if first {
					sec.StartTime = float64(sen.Start) / 1000
					first = false
				}
				if len(sec.Items) < 3 {
					sec.Items = append(sec.Items, OutlineItem{Text: strings.Fields(partyName(c, m.SpeakerID))[0] + ": " + sen.Text, StartTime: float64(sen.Start) / 1000})
				}
			}
		}
		if len(sec.Items) > 0 {
			res = append(res, sec)
		}
	}
	return res
}

func highlights(out *CallContent) []HighlightSection {
	var res []HighlightSection
	add := func(title string, ls []TimedLine) {
		if len(ls) == 0 {
			return
		}
		h := HighlightSection{Title: title}
		for _, l := range ls {
			h.Items = append(h.Items, HighlightItem{Text: l.Text, StartTimes: []float64{l.Start}})
		}
		res = append(res, h)
	}
	add("Next steps", out.NextSteps)
	add("Pain points", out.Pains)
	add("Objections", out.Objections)
	add("Pricing", out.Pricing)
	add("Competition", out.Competitors)
	return res
}

func keyPoints(out *CallContent) []string {
	var res []string
	for _, group := range [][]TimedLine{out.Pains, out.Objections, out.Competitors, out.Pricing, out.NextSteps} {
		if len(group) > 0 && len(res) < 4 {
			res = append(res, group[0].Text)
		}
	}
	return res
}

func quoteList(ls []TimedLine, n int) string {
	var qs []string
	seen := map[string]bool{}
	for _, l := range ls {
		if !seen[l.Text] && len(qs) < n {
			seen[l.Text] = true
			qs = append(qs, "\""+strings.TrimSuffix(l.Text, ".")+"\"")
		}
	}
	return strings.Join(qs, "; ")
}

// brief writes the call's spotlight summary from what was actually said.
func brief(out *CallContent, co *Company, c *Call) string {
	host := co.userByID[c.PrimaryUserID]
	hostName := "The host"
	if host != nil {
		hostName = host.FullName()
	}
	var b strings.Builder
	if c.Scope == "Internal" {
		fmt.Fprintf(&b, "%s led an internal %s.", hostName, strings.ToLower(strings.SplitN(c.Title, ":", 2)[0]))
	} else {
		var who []string
		for _, p := range c.Parties {
			if p.Affiliation == "External" {
				who = append(who, p.Name)
			}
		}
		acct := "the customer"
		if a := co.accountByID[c.AccountID]; a != nil {
			acct = a.Name
		}
		fmt.Fprintf(&b, "%s (%s) spoke with %s from %s.", hostName, companyName, strings.Join(who, " and "), acct)
	}
	if len(out.Pains) > 0 {
		fmt.Fprintf(&b, " Pain points: %s.", quoteList(out.Pains, 2))
	}
	if len(out.Objections) > 0 {
		fmt.Fprintf(&b, " Objections raised: %s.", quoteList(out.Objections, 3))
	}
	if len(out.Competitors) > 0 {
		fmt.Fprintf(&b, " Competition came up: %s.", quoteList(out.Competitors, 1))
	}
	if len(out.Pricing) > 0 {
		fmt.Fprintf(&b, " Pricing was discussed: %s.", quoteList(out.Pricing, 1))
	}
	if len(out.NextSteps) > 0 {
		fmt.Fprintf(&b, " Next steps: %s.", quoteList(out.NextSteps, 2))
	}
	return b.String()
}
