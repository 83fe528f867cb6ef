//! A render returns everything it allocated: the body (and every `$util.parseJson` document) is
//! freed when the render ends, whatever the template did with it, and so is a cycle the template
//! made of its own maps and lists.
//!
//! Found by the `gateway_request` fuzz target (LeakSanitizer, input
//! `0POST /album ... ==== GET /a/b`): the seed's GetItem response template writes the item, a
//! JSON object with nested containers, as a Java map; each container turned into a Java object
//! was cached on the body's tape and held references back to the tape, so the tape, with the
//! whole DynamoDB response, was never freed. One body per request leaked in `gateway serve`.
//! The template-made cycles (`$m.put('self', $m)`) leaked the same way, found while fixing it.
//!
//! The allocator counts live bytes; this file holds one test so that no other test allocates
//! meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Live bytes the allocator gained over 20 renders, after two to warm up (the thread's spare tape
/// buffers and lazily built tables settle first).
fn kept_by(template: &str, body: &str) -> isize {
    let t = vtl::Template::parse(template).expect("the template parses");
    let bindings = vtl::Bindings {
        body: body.to_string(),
        ..vtl::Bindings::default()
    };
    let render = || {
        t.render(&bindings).expect("the template renders");
    };
    render();
    render();
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..20 {
        render();
    }
    LIVE.load(Ordering::Relaxed) - before
}

// One test: the counter is global, and tests of one binary run on parallel threads.
#[test]
fn renders_keep_nothing_allocated() {
    // A GetItem reply with nested containers and some bulk, as the seed API's templates see it.
    let padding = "x".repeat(32 * 1024);
    let body = format!(
        r#"{{"Item":{{"Artist":{{"S":"a"}},"Album":{{"S":"b"}},"Notes":{{"S":"{padding}"}},"Tracks":{{"L":[{{"M":{{"title":{{"S":"t"}},"length":{{"S":"1:00"}}}}}}]}}}}}}"#
    );
    let cases = [
        // Written as a Java map: the leak the fuzzer found.
        ("the body written as a Java map", "$input.path('$')"),
        (
            "a method on a nested map of the body",
            "$input.path('$.Item').keySet()",
        ),
        (
            "a parseJson document used as Java objects",
            "#set($doc = $util.parseJson($input.body))$doc.Item.Tracks.L.get(0).M.keySet() $doc",
        ),
        (
            "a map and a list holding themselves",
            "#set($m = {})#set($l = [])#set($d = $m.put('self', $m))#set($d = $l.add($l))$m.size()",
        ),
        (
            "a map and a list holding each other, one by #set",
            "#set($m = {})#set($l = [$m])#set($m.l = $l)$m.size()",
        ),
        (
            "the body's own objects holding each other",
            "#set($i = $input.path('$.Item'))#set($d = $i.put('root', $input.path('$')))$i.size()",
        ),
    ];
    let mut leaks = Vec::new();
    for (what, template) in cases {
        let kept = kept_by(template, &body);
        // A leak keeps at least one copy of something per render (the body is 32 KB); a correct
        // render keeps nothing, so even a kilobyte over 20 renders is a leak.
        if kept >= 1024 {
            leaks.push(format!("{what} ({template}): 20 renders kept {kept} bytes"));
        }
    }
    assert!(leaks.is_empty(), "{leaks:#?}");
}
