//! A render returns everything it allocated: the body (and every `$util.parseJson` document) is
//! freed when the render ends, whatever the template did with it.
//!
//! Found by the `gateway_request` fuzz target (LeakSanitizer, input
//! `0POST /album ... ==== GET /a/b`): the seed's GetItem response template writes the item, a
//! JSON object with nested containers, as a Java map; each container turned into a Java object
//! was cached on the body's tape and held references back to the tape, so the tape, with the
//! whole DynamoDB response, was never freed. One body per request leaked in `gateway serve`.
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

#[test]
fn rendering_nested_json_as_java_objects_frees_the_body() {
    // A GetItem reply with nested containers and some bulk, as the seed API's templates see it.
    let padding = "x".repeat(32 * 1024);
    let body = format!(
        r#"{{"Item":{{"Artist":{{"S":"a"}},"Album":{{"S":"b"}},"Notes":{{"S":"{padding}"}},"Tracks":{{"L":[{{"M":{{"title":{{"S":"t"}},"length":{{"S":"1:00"}}}}}}]}}}}}}"#
    );
    // Each line turns containers of a tape into Java objects: written as a Java map (the
    // leak the fuzzer found), a method on a nested map, and the same on a parseJson document.
    let template = vtl::Template::parse(
        "$input.path('$')\n\
         $input.path('$.Item').keySet()\n\
         #set($doc = $util.parseJson($input.body))$doc.Item.Tracks.L.get(0).M.keySet() $doc",
    )
    .expect("the template parses");
    let bindings = vtl::Bindings {
        body: body.clone(),
        ..vtl::Bindings::default()
    };
    let render = || {
        let out = template.render(&bindings).expect("the template renders");
        assert!(out.output.contains("title"), "{}", out.output);
    };
    // Warm-up: the thread's spare tape buffers and lazily built tables settle first.
    render();
    render();
    let before = LIVE.load(Ordering::Relaxed);
    const RENDERS: isize = 20;
    for _ in 0..RENDERS {
        render();
    }
    let grown = LIVE.load(Ordering::Relaxed) - before;
    // A leak keeps at least one copy of the body per render (20 x 32 KB); a correct render keeps
    // nothing, so even one body's worth of growth is a leak.
    assert!(
        grown < body.len() as isize,
        "{RENDERS} renders kept {grown} bytes allocated (body: {} bytes)",
        body.len()
    );
}
