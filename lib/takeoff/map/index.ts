/** Takeoff maps (SPEC §12.4): pure drawing of a page's measurements, shared by the SVG route and the PDF map pages. */
export { fitExtent, project, type Box, type Fit } from "./fit";
export { conditionColor, legendRows, FALLBACK_COLORS, type ConditionTotals, type LegendRow, type MapCondition } from "./legend";
export { drawMap, layoutMap, prepareMap, type MapGroup, type MapMeasurement, type PreparedMap } from "./map";
export { MAX_COORDINATE, extendExtent, rectangleCorners, toShape, type Extent, type Pt, type Shape } from "./shapes";
export { escapeXml, groupLabel, renderMapSvg, SVG_DRAWING_SIZE, type SvgOptions } from "./svg";
export { mapTitle, pageLabel, type PageNaming } from "./title";
