//! Each ecosystem's order against real release lists: sorted with `versions::compare`, a
//! shuffled list must come back exactly as its registry orders it.

use std::cmp::Ordering;

use domain::supply_chain::Ecosystem;
use domain::supply_chain::versions::compare;

fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Every neighbour strictly ascending, and a scrambled copy sorts back into the same list.
fn assert_registry_order(ecosystem: &Ecosystem, published: &[&str]) {
    for pair in published.windows(2) {
        assert_eq!(
            compare(ecosystem, pair[0], pair[1]),
            Some(Ordering::Less),
            "{ecosystem}: {} before {}",
            pair[0],
            pair[1]
        );
    }
    let mut scrambled: Vec<&str> = published.to_vec();
    scrambled.reverse();
    scrambled.rotate_left(published.len() / 3);
    scrambled.sort_by(|a, b| compare(ecosystem, a, b).expect("orderable"));
    assert_eq!(scrambled, published, "{ecosystem}");

    // The list is one a plain string sort gets wrong, so the test says something.
    let mut by_text = published.to_vec();
    by_text.sort();
    assert_ne!(
        by_text, published,
        "{ecosystem}: a string sort would pass too"
    );
}

#[test]
fn log4j_core_releases_sort_in_maven_order() {
    let published = lines(include_str!("../fixtures/versions/maven-log4j-core.txt"));
    assert_registry_order(&Ecosystem::Maven, &published);
}

#[test]
fn lodash_releases_sort_in_npm_order() {
    let published = lines(include_str!("../fixtures/versions/npm-lodash.txt"));
    assert_registry_order(&Ecosystem::Npm, &published);
}

#[test]
fn django_releases_sort_in_pep_440_order() {
    let published = lines(include_str!("../fixtures/versions/pypi-django.txt"));
    assert_registry_order(&Ecosystem::PyPI, &published);
}

#[test]
fn sea_orm_releases_sort_in_crates_io_order() {
    let published = lines(include_str!("../fixtures/versions/crates-sea-orm.txt"));
    assert_registry_order(&Ecosystem::CratesIo, &published);
}

#[test]
fn golang_x_text_tags_sort_in_go_module_order() {
    let published = [
        "v0.1.0",
        "v0.2.0",
        "v0.3.0",
        "v0.3.7",
        "v0.3.8-0.20220722155223-a9d1f4ebd5ab",
        "v0.3.8",
        "v0.4.0",
        "v0.9.0",
        "v0.10.0",
        "v0.14.0",
    ];
    assert_registry_order(&Ecosystem::Go, &published);
}

#[test]
fn newtonsoft_json_releases_sort_in_nuget_order() {
    let published = [
        "9.0.1",
        "10.0.1",
        "10.0.3",
        "11.0.1-beta1",
        "11.0.1",
        "11.0.2",
        "12.0.1",
        "12.0.3",
        "13.0.1",
    ];
    assert_registry_order(&Ecosystem::NuGet, &published);
}

#[test]
fn guzzle_releases_sort_in_composer_order() {
    let published = [
        "6.5.5",
        "6.5.6",
        "6.5.8",
        "7.0.0-beta.1",
        "7.0.0-beta.2",
        "7.0.0-rc.1",
        "7.0.0",
        "7.0.1",
        "7.4.2",
        "7.4.3",
        "7.10.0",
    ];
    assert_registry_order(&Ecosystem::Packagist, &published);
}

#[test]
fn rails_releases_sort_in_rubygems_order() {
    let published = [
        "6.1.7",
        "7.0.0.alpha1",
        "7.0.0.alpha2",
        "7.0.0.rc1",
        "7.0.0",
        "7.0.4",
        "7.0.10",
        "7.1.0",
    ];
    assert_registry_order(&Ecosystem::RubyGems, &published);
}

#[test]
fn versions_a_registry_would_refuse_have_no_order() {
    let cases = [
        (Ecosystem::Maven, ""),
        (Ecosystem::Npm, "latest"),
        (Ecosystem::CratesIo, "1.x"),
        (Ecosystem::Go, "master"),
        (Ecosystem::PyPI, "1.0-foo-bar"),
        (Ecosystem::Packagist, "dev-main"),
        (Ecosystem::NuGet, "1.0.0.0.0"),
        (Ecosystem::RubyGems, "v1.0"),
        (Ecosystem::Other("Debian:11".into()), "1.0"),
    ];
    for (ecosystem, version) in cases {
        assert_eq!(
            compare(&ecosystem, version, "1.0.0"),
            None,
            "{ecosystem}: {version:?}"
        );
        assert_eq!(
            compare(&ecosystem, "1.0.0", version),
            None,
            "{ecosystem}: {version:?}"
        );
    }
}
