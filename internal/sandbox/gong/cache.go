package gong

import (
	lru "container/list"
	"sync"
)

// contentCacheSize bounds how many calls' transcripts and analyses stay
// in memory. A transcript is rebuilt from its call's seed when it has been
// pushed out, so the cache only saves time; it is what keeps the sandbox's
// memory flat however many transcripts clients fetch.
const contentCacheSize = 128

// contentCache is a small LRU of built call contents, safe for concurrent
// use. Building happens outside its lock; two requests racing for the same
// call build identical content and one of them is kept.
type contentCache struct {
	mu    sync.Mutex
	max   int
	order *lru.List // front = most recently used; values are *cacheEntry
	byID  map[*Call]*lru.Element
}

type cacheEntry struct {
	call    *Call
	content *CallContent
}

func newContentCache(n int) *contentCache {
	return &contentCache{max: n, order: lru.New(), byID: map[*Call]*lru.Element{}}
}

func (cc *contentCache) get(c *Call) *CallContent {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if e, ok := cc.byID[c]; ok {
		cc.order.MoveToFront(e)
		return e.Value.(*cacheEntry).content
	}
	return nil
}

func (cc *contentCache) put(c *Call, content *CallContent) *CallContent {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if e, ok := cc.byID[c]; ok {
		cc.order.MoveToFront(e)
		return e.Value.(*cacheEntry).content
	}
	cc.byID[c] = cc.order.PushFront(&cacheEntry{call: c, content: content})
	for cc.order.Len() > cc.max {
		old := cc.order.Remove(cc.order.Back()).(*cacheEntry)
		delete(cc.byID, old.call)
	}
	return content
}

// Content returns the call's transcript and analysis, building it from the
// call's seed unless it is among the recently used. It is deterministic:
// the same call always yields the same content. Treat it as read-only.
func (c *Call) Content(co *Company) *CallContent {
	if got := co.contents.get(c); got != nil {
		return got
	}
	return co.contents.put(c, buildContent(c, co))
}

// summary is the call's analysis without the transcript and what is
// derived sentence by sentence from it (trackers, outline, highlights):
// the small part that stats, briefs and ask-entity read across many
// calls, kept once computed (a few KB a call).
func (c *Call) summary(co *Company) *CallContent {
	c.once.Do(func() {
		light := *c.Content(co)
		light.Transcript, light.Trackers, light.Outline, light.Highlights = nil, nil, nil, nil
		c.sum = &light
	})
	return c.sum
}
