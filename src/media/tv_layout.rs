//! Where each picture goes on the TV: pure geometry, no GStreamer.
//!
//! Given the output's size and the callers' picture sizes, [`layout`] gives
//! each caller a rectangle with its shape kept (a portrait phone gets black
//! bars at its sides, not a stretched face): one caller fills the screen,
//! two share it side by side, three or four take the quarters of a 2×2 grid
//! (an odd last one centred on its row). [`self_view`] is the small corner
//! where the box's own camera shows. [`text_sizes`] sizes the TV's words so
//! they read from a sofa three metres away.

/// A rectangle on the output, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

/// A picture's size as displayed (pixel aspect ratio applied), in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

impl Size {
    pub const fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }
}

/// The largest rectangle of `picture`'s shape inside `area`, centred in it.
pub fn fit(area: Rect, picture: Size) -> Rect {
    if picture.width == 0 || picture.height == 0 || area.width <= 0 || area.height <= 0 {
        return area;
    }
    let (aw, ah) = (i64::from(area.width), i64::from(area.height));
    let (pw, ph) = (i64::from(picture.width), i64::from(picture.height));
    // Compare aw/ah with pw/ph without division.
    let (width, height) = if aw * ph > ah * pw {
        // The area is wider than the picture: bars left and right.
        ((ah * pw + ph / 2) / ph, ah)
    } else {
        (aw, (aw * ph + pw / 2) / pw)
    };
    let (width, height) = (width.clamp(1, aw) as i32, height.clamp(1, ah) as i32);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// The cells `count` pictures share on an `output`-sized screen.
pub fn cells(output: Size, count: usize) -> Vec<Rect> {
    let (w, h) = (output.width as i32, output.height as i32);
    match count {
        0 => Vec::new(),
        1 => vec![Rect {
            x: 0,
            y: 0,
            width: w,
            height: h,
        }],
        2 => (0..2)
            .map(|i| Rect {
                x: i * (w / 2),
                y: 0,
                width: w / 2,
                height: h,
            })
            .collect(),
        n => {
            let columns = (n as f64).sqrt().ceil() as i32;
            let rows = (n as i32 + columns - 1) / columns;
            let (cw, ch) = (w / columns, h / rows);
            (0..n as i32)
                .map(|i| {
                    let (row, column) = (i / columns, i % columns);
                    // The last row, if not full, is centred.
                    let in_row = if row == rows - 1 {
                        n as i32 - row * columns
                    } else {
                        columns
                    };
                    let offset = (w - in_row * cw) / 2;
                    Rect {
                        x: offset + column * cw,
                        y: row * ch,
                        width: cw,
                        height: ch,
                    }
                })
                .collect()
        }
    }
}

/// Each caller's rectangle, in the order given: its cell, with its shape kept.
pub fn layout(output: Size, callers: &[Size]) -> Vec<Rect> {
    cells(output, callers.len())
        .into_iter()
        .zip(callers)
        .map(|(cell, picture)| fit(cell, *picture))
        .collect()
}

/// The box's own camera: a fifth of the screen's width and height at
/// most, shape kept, in the bottom right corner with a margin.
pub fn self_view(output: Size, camera: Size) -> Rect {
    let (w, h) = (output.width as i32, output.height as i32);
    let margin = h / 40;
    let fitted = fit(
        Rect {
            x: 0,
            y: 0,
            width: w / 5,
            height: h / 5,
        },
        camera,
    );
    Rect {
        x: w - margin - fitted.width,
        y: h - margin - fitted.height,
        ..fitted
    }
}

/// Font sizes (Pango's `px`, the em square) for the TV's words on a screen
/// `height` pixels high.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextSizes {
    /// The clock on the waiting screen.
    pub clock: u32,
    /// Who calls, "Waiting for a call".
    pub title: u32,
    /// The second line, the countdown, the box's name and reach.
    pub line: u32,
}

/// A line of text is about 1.2 em high: the smallest words get an em of a
/// tenth of the screen, so every line is at least a twelfth of its height.
pub fn text_sizes(height: u32) -> TextSizes {
    let line = height.div_ceil(10).max(8);
    TextSizes {
        clock: height.div_ceil(6).max(8),
        title: height.div_ceil(8).max(8),
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HD: Size = Size::new(1920, 1080);

    fn rect(x: i32, y: i32, width: i32, height: i32) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    #[test]
    fn a_landscape_caller_of_the_screens_shape_fills_it() {
        assert_eq!(
            layout(HD, &[Size::new(1280, 720)]),
            [rect(0, 0, 1920, 1080)]
        );
    }

    #[test]
    fn a_portrait_phone_is_pillarboxed_not_stretched() {
        let [r] = layout(HD, &[Size::new(720, 1280)])[..] else {
            panic!("one rectangle")
        };
        assert_eq!(r.height, 1080, "full height");
        assert_eq!(r.width, 608, "1080 × 720/1280, rounded");
        assert_eq!(r.x, (1920 - 608) / 2, "centred: equal bars");
        assert_eq!(r.y, 0);
    }

    #[test]
    fn a_wider_picture_is_letterboxed() {
        let [r] = layout(Size::new(1280, 720), &[Size::new(1280, 480)])[..] else {
            panic!("one rectangle")
        };
        assert_eq!(r, rect(0, 120, 1280, 480));
    }

    #[test]
    fn two_callers_share_the_screen_side_by_side() {
        let rects = layout(HD, &[Size::new(1280, 720), Size::new(480, 640)]);
        assert_eq!(
            rects[0],
            rect(0, 270, 960, 540),
            "landscape in a half: letterboxed"
        );
        assert_eq!(
            rects[1],
            rect(960 + (960 - 810) / 2, 0, 810, 1080),
            "portrait in a half"
        );
        assert!(rects[0].x + rects[0].width <= rects[1].x, "no overlap");
    }

    #[test]
    fn three_callers_take_a_grid_with_the_last_centred() {
        let cells = cells(HD, 3);
        assert_eq!(
            cells,
            [
                rect(0, 0, 960, 540),
                rect(960, 0, 960, 540),
                rect(480, 540, 960, 540)
            ]
        );
        let rects = layout(HD, &[Size::new(640, 360); 3]);
        assert_eq!(rects, cells, "16:9 pictures fill 16:9 cells");
        let portrait = layout(HD, &[Size::new(360, 640); 3]);
        for (r, cell) in portrait.iter().zip(&cells) {
            assert_eq!(r.height, 540);
            assert_eq!(r.width, 304);
            assert_eq!(r.x - cell.x, (960 - 304) / 2, "centred in {cell:?}");
        }
    }

    #[test]
    fn four_callers_take_the_quarters() {
        assert_eq!(
            cells(HD, 4),
            [
                rect(0, 0, 960, 540),
                rect(960, 0, 960, 540),
                rect(0, 540, 960, 540),
                rect(960, 540, 960, 540)
            ]
        );
    }

    #[test]
    fn an_unknown_size_takes_the_whole_cell() {
        let area = rect(10, 20, 300, 200);
        assert_eq!(fit(area, Size::new(0, 0)), area);
    }

    #[test]
    fn the_self_view_sits_in_the_corner_inside_the_screen() {
        let r = self_view(HD, Size::new(1280, 720));
        assert_eq!((r.width, r.height), (384, 216));
        assert_eq!((r.x + r.width, r.y + r.height), (1920 - 27, 1080 - 27));
        let portrait = self_view(HD, Size::new(720, 1280));
        assert_eq!(portrait.height, 216);
        assert!(portrait.width < portrait.height);
    }

    #[test]
    fn every_line_is_at_least_a_twelfth_of_the_screen() {
        for height in [360, 480, 720, 1080, 2160] {
            let sizes = text_sizes(height);
            // A line is at least 1.2 em.
            let line_height = f64::from(sizes.line) * 1.2;
            assert!(
                line_height >= f64::from(height) / 12.0,
                "{height}: {sizes:?}"
            );
            assert!(sizes.clock > sizes.title && sizes.title > sizes.line);
        }
    }
}
