//! Every cap gives a clear error, never a panic, a hang or an exhausted stack.

use vtl::{Bindings, Limits, RenderErrorKind, Template};

fn render_err(t: &str) -> RenderErrorKind {
    let t = Template::parse(t).expect("parses");
    t.render(&Bindings::default())
        .expect_err("must hit a cap")
        .kind()
        .clone()
}

#[test]
fn foreach_is_capped_at_1000_iterations_like_aws() {
    let ok = Template::parse("#foreach($i in [1..1000])#set($last = $i)#end$last").unwrap();
    assert_eq!(ok.render(&Bindings::default()).unwrap().output, "1000");
    assert_eq!(
        render_err("#foreach($i in [1..1001])#end"),
        RenderErrorKind::ForeachLimit(1000)
    );
    let e = Template::parse("\n  #foreach($i in [1..2000])#end")
        .unwrap()
        .render(&Bindings::default())
        .unwrap_err();
    assert_eq!((e.line(), e.column()), (2, 3));
    assert!(e.to_string().contains("2:3"), "{e}");
    assert!(e.to_string().contains("#foreach"), "{e}");
}

#[test]
fn template_size_is_capped_at_300_kb() {
    let big = "x".repeat(vtl::MAX_TEMPLATE_BYTES + 1);
    let e = Template::parse(&big).unwrap_err();
    assert!(e.to_string().contains("at most 307200"), "{e}");
    assert!(Template::parse(&"x".repeat(vtl::MAX_TEMPLATE_BYTES)).is_ok());
}

#[test]
fn output_is_capped() {
    assert_eq!(
        render_err("#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..40])#set($s = \"$s$s\")#end$s"),
        RenderErrorKind::OutputLimit(10 * 1024 * 1024)
    );
    assert_eq!(
        render_err("#foreach($i in [1..1000])#foreach($j in [1..1000])0123456789abcdef#end#end"),
        RenderErrorKind::OutputLimit(10 * 1024 * 1024)
    );
    // Shared sub-lists: rendering would be exponential.
    assert_eq!(
        render_err("#set($a = [1])#foreach($i in [1..40])#set($a = [$a, $a])#end$a"),
        RenderErrorKind::OutputLimit(10 * 1024 * 1024)
    );
    let small = Limits {
        max_output_bytes: 10,
        ..Limits::default()
    };
    let t = Template::parse("0123456789x").unwrap();
    assert!(t.render_with_limits(&Bindings::default(), &small).is_err());
}

#[test]
fn total_iterations_are_capped() {
    assert_eq!(
        render_err(
            "#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])#end#end#end"
        ),
        RenderErrorKind::TotalIterationLimit(1_000_000)
    );
}

#[test]
fn macro_and_define_recursion_is_capped() {
    assert_eq!(
        render_err("#macro(r)x#r()#end#r()"),
        RenderErrorKind::RecursionLimit(20)
    );
    assert_eq!(
        render_err("#define($d)$d#end$d"),
        RenderErrorKind::RecursionLimit(20)
    );
    assert_eq!(
        render_err("#define($d)#set($x = \"$d\")#end$d"),
        RenderErrorKind::RecursionLimit(20)
    );
}

#[test]
fn ranges_and_collections_are_capped() {
    assert!(matches!(
        render_err("#set($r = [1..100000000])"),
        RenderErrorKind::RangeLimit(1, 100000000, _)
    ));
    assert!(matches!(
        render_err("#set($r = [9223372036854775807..-9223372036854775807])"),
        RenderErrorKind::RangeLimit(..)
    ));
    let small = Limits {
        max_collection_size: 5,
        ..Limits::default()
    };
    let t =
        Template::parse("#set($l = [])#foreach($i in [1..10])#set($x = $l.add($i))#end").unwrap();
    assert!(matches!(
        t.render_with_limits(&Bindings::default(), &small)
            .unwrap_err()
            .kind(),
        RenderErrorKind::OutputLimit(_)
    ));
}

#[test]
fn parser_nesting_is_capped() {
    let deep = format!("#set($x = {}1{})", "(".repeat(5000), ")".repeat(5000));
    assert!(Template::parse(&deep).is_err());
    let deep_if = format!("{}x{}", "#if(true)".repeat(5000), "#end".repeat(5000));
    assert!(Template::parse(&deep_if).is_err());
    let chain = format!("#set($x = 1{})$x", " + 1".repeat(5000));
    assert!(Template::parse(&chain).is_err());
    let ok_chain = format!("#set($x = 1{})$x", " + 1".repeat(200));
    assert_eq!(
        Template::parse(&ok_chain)
            .unwrap()
            .render(&Bindings::default())
            .unwrap()
            .output,
        "201"
    );
    let lists = format!("#set($x = {}{})", "[".repeat(5000), "]".repeat(5000));
    assert!(Template::parse(&lists).is_err());
}

#[test]
fn cyclic_and_very_deep_values_do_not_crash() {
    let t = Template::parse("#set($l = [])#set($x = $l.add($l))$l").unwrap();
    assert_eq!(
        t.render(&Bindings::default()).unwrap().output,
        "[(this Collection)]"
    );
    // Two lists containing each other: Java overflows its stack; we report a clear error.
    assert!(
        Template::parse("#set($a = [])#set($b = [$a])#set($x = $a.add($b))$a")
            .unwrap()
            .render(&Bindings::default())
            .is_err()
    );
    // A million-level list is built, compared and dropped without exhausting the stack.
    let t = Template::parse(
        "#set($root = [])#set($leaf = $root)#foreach($i in [1..1000])#foreach($j in [1..999])#set($n = [])#set($x = $leaf.add($n))#set($leaf = $n)#end#end#if($root == $root)same#end",
    )
    .unwrap();
    let r = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || t.render(&Bindings::default()).map(|r| r.output))
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(r.unwrap(), "same");
}

#[test]
fn catastrophic_regex_is_an_error_not_a_hang() {
    // A backreference forces fancy-regex's backtracking engine; its backtrack limit turns the
    // exponential search into an error instead of a hang.
    let t = Template::parse(
        "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')$s.matches('(a*)*\\1b')",
    )
    .unwrap();
    let start = std::time::Instant::now();
    let r = t.render(&Bindings::default());
    assert!(
        start.elapsed().as_secs() < 20,
        "regex took {:?}",
        start.elapsed()
    );
    match r {
        Ok(r) => assert_eq!(r.output, "false"),
        Err(e) => assert!(
            matches!(e.kind(), RenderErrorKind::MethodInvocation(_)),
            "{e}"
        ),
    }
}
